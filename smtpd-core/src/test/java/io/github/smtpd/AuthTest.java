package io.github.smtpd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Properties;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import io.github.smtpd.test.TestTls;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** AUTH PLAIN and LOGIN (RFC 4954), offered only under TLS unless plaintext is allowed. */
class AuthTest extends ServerTestSupport {

    private static final SmtpAuthenticator USERS = (session, user, password) ->
            "alice".equals(user) && "wonderland".equals(password) ? "alice@example.org" : null;

    private final RecordingProcessor processor = new RecordingProcessor();

    private void start(SmtpServer.Builder builder) {
        server = builder.authenticator(USERS).authFailureDelay(Duration.ofMillis(10)).sslContext(TestTls::serverContext)
                .messageProcessor(processor).build();
        server.start();
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private RawClient tlsClient() throws Exception {
        RawClient client = RawClient.connect(TestServers.address(server));
        client.command("EHLO c");
        client.command("STARTTLS");
        client.startTls(TestTls.clientSocketFactory());
        return client;
    }

    @Test
    void authIsOfferedOnlyAfterTls() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("EHLO c")).doesNotContain("AUTH");
            assertThat(client.command("AUTH PLAIN " + b64("\0alice\0wonderland")))
                    .isEqualTo("538 5.7.11 Encryption required for requested authentication mechanism");
        }
        try (RawClient client = tlsClient()) {
            assertThat(client.command("EHLO c")).contains("250-AUTH PLAIN LOGIN");
        }
    }

    @Test
    void plainWithAnInitialResponse() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = tlsClient()) {
            client.command("EHLO c");
            assertThat(client.command("AUTH PLAIN " + b64("\0alice\0wonderland")))
                    .isEqualTo("235 2.7.0 Authentication successful");
            assertThat(client.command("AUTH PLAIN " + b64("\0alice\0wonderland")))
                    .isEqualTo("503 5.5.1 Error: already authenticated");
            client.command("MAIL FROM:<alice@example.org>");
            client.command("RCPT TO:<c@d.example>");
            client.command("DATA");
            client.command("x\r\n.");
        }
        assertThat(processor.next().message().authenticatedUser()).isEqualTo("alice@example.org");
    }

    @Test
    void loginWithChallenges() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = tlsClient()) {
            client.command("EHLO c");
            assertThat(client.command("AUTH LOGIN")).isEqualTo("334 VXNlcm5hbWU6");
            assertThat(client.command(b64("alice"))).isEqualTo("334 UGFzc3dvcmQ6");
            assertThat(client.command(b64("wonderland"))).isEqualTo("235 2.7.0 Authentication successful");
        }
    }

    @Test
    void badCredentialsBadBase64AndCancel() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = tlsClient()) {
            client.command("EHLO c");
            assertThat(client.command("AUTH PLAIN " + b64("\0alice\0guess"))).isEqualTo("535 5.7.8 Error: authentication failed");
            assertThat(client.command("AUTH PLAIN !!!notbase64")).isEqualTo("501 5.5.2 Error: invalid base64 data");
            assertThat(client.command("AUTH PLAIN")).isEqualTo("334 ");
            assertThat(client.command("*")).isEqualTo("501 5.0.0 Authentication cancelled");
            assertThat(client.command("AUTH LOGIN")).startsWith("334 ");
            assertThat(client.command("*")).isEqualTo("501 5.0.0 Authentication cancelled");
            assertThat(client.command("AUTH CRAM-MD5")).isEqualTo("504 5.5.4 Error: unsupported authentication mechanism");
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
    }

    @Test
    void repeatedFailuresCloseTheSession() throws Exception {
        start(TestServers.loopback().maxBadCommands(3));
        try (RawClient client = tlsClient()) {
            client.command("EHLO c");
            for (int i = 0; i < 4; i++) {
                assertThat(client.command("AUTH PLAIN " + b64("\0alice\0guess" + i))).startsWith("535 5.7.8");
            }
            assertThat(client.readReply()).startsWith("421 4.7.0");
        }
    }

    @Test
    void requiringAuthRefusesMailWithoutIt() throws Exception {
        start(TestServers.loopback().requireAuth(true).allowPlaintextAuth(true));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("EHLO c")).contains("250-AUTH PLAIN LOGIN");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("530 5.7.0 Authentication required");
            client.command("AUTH PLAIN " + b64("\0alice\0wonderland"));
            assertThat(client.command("MAIL FROM:<a@b.example> AUTH=alice+40example.org")).isEqualTo("250 2.1.0 OK");
        }
    }

    @Test
    void aRealClientAuthenticatesOverStartTls() throws Exception {
        start(TestServers.loopback().requireAuth(true));
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(server.getPort()));
        properties.put("mail.smtp.starttls.enable", "true");
        properties.put("mail.smtp.starttls.required", "true");
        properties.put("mail.smtp.ssl.socketFactory", TestTls.clientSocketFactory());
        properties.put("mail.smtp.auth", "true");
        jakarta.mail.Session session = jakarta.mail.Session.getInstance(properties);
        MimeMessage mail = new MimeMessage(session);
        mail.setFrom("alice@example.org");
        mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.net");
        mail.setText("authenticated");
        Transport.send(mail, "alice", "wonderland");
        assertThat(processor.next().message().authenticatedUser()).isEqualTo("alice@example.org");
        assertThatThrownBy(() -> Transport.send(mail, "alice", "wrong")).isInstanceOf(AuthenticationFailedException.class);
    }

    @Test
    void failuresAreCountedPerClientAcrossConnections() throws Exception {
        // An outside run reconnected for every guess: 771 failed guesses in 21 s from one address, since the delay
        // grew only within a session. Now the address's failures add up whatever the connection.
        java.util.concurrent.atomic.AtomicInteger limited = new java.util.concurrent.atomic.AtomicInteger();
        start(TestServers.loopback().allowPlaintextAuth(true).authFailureLimit(3, Duration.ofMinutes(10))
            .listener(new SmtpServerListener() {
                @Override
                public void authRateLimited(SmtpSession session) {
                    limited.incrementAndGet();
                }
            }));
        for (int guess = 0; guess < 3; guess++) {
            try (RawClient client = RawClient.connect(TestServers.address(server))) {
                client.command("EHLO c");
                assertThat(client.command("AUTH PLAIN " + b64("\0alice\0guess" + guess)))
                    .isEqualTo("535 5.7.8 Error: authentication failed");
            }
        }
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            // Refused before the credentials are looked at: even the right password gets no answer about them.
            assertThat(client.command("AUTH PLAIN " + b64("\0alice\0wonderland")))
                .isEqualTo("454 4.7.0 Error: too many failed authentications from your address, try again later");
            assertThat(client.command("AUTH LOGIN")).startsWith("454 4.7.0 ");
            // The session itself goes on, for what needs no AUTH.
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
        assertThat(limited).hasValue(2);
    }

    @Test
    void noLimitAcrossConnectionsWhenSetToZero() throws Exception {
        start(TestServers.loopback().allowPlaintextAuth(true).authFailureLimit(0, Duration.ofMinutes(1)));
        for (int guess = 0; guess < 12; guess++) {
            try (RawClient client = RawClient.connect(TestServers.address(server))) {
                client.command("EHLO c");
                assertThat(client.command("AUTH PLAIN " + b64("\0alice\0guess" + guess))).startsWith("535 ");
            }
        }
    }
}
