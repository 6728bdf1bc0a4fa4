package io.github.smtpd;

import java.io.IOException;
import java.time.Duration;
import java.util.Properties;

import javax.net.ssl.SSLSocket;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import io.github.smtpd.test.TestTls;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** STARTTLS (RFC 3207), implicit TLS (RFC 8314) and requiring TLS, with real TLS clients. */
class TlsTest extends ServerTestSupport {

    private final RecordingProcessor processor = new RecordingProcessor();

    private SmtpServer start(SmtpServer.Builder builder) {
        server = builder.sslContext(TestTls::serverContext).messageProcessor(processor).build();
        server.start();
        return server;
    }

    @Test
    void startTlsUpgradesTheConnectionAndTheClientGreetsAgain() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("EHLO c")).contains("250-STARTTLS");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 2.1.0 OK");
            assertThat(client.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
            client.startTls(TestTls.clientSocketFactory());
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("503 Error: send HELO first");
            String ehlo = client.command("EHLO c");
            assertThat(ehlo).doesNotContain("STARTTLS");
            assertThat(client.command("STARTTLS")).isEqualTo("503 5.5.1 Error: TLS already active");
            client.command("MAIL FROM:<a@b.example>");
            client.command("RCPT TO:<c@d.example>");
            client.command("DATA");
            assertThat(client.command("secret\r\n.")).isEqualTo("250 2.0.0 OK");
            assertThat(((SSLSocket) client.socket()).getSession().getProtocol()).startsWith("TLS");
        }
        Message message = processor.next().message();
        assertThat(message.session().isSecure()).isTrue();
        assertThat(message.session().tlsProtocol()).startsWith("TLSv1.");
    }

    @Test
    void bytesSentAfterStartTlsBeforeTheHandshakeAreDiscarded() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            // CVE-2011-0411: a command injected in the clear after STARTTLS must not run inside TLS.
            client.send("STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n");
            assertThat(client.readReply()).isEqualTo("220 2.0.0 Ready to start TLS");
            client.startTls(TestTls.clientSocketFactory());
            client.command("EHLO c");
            assertThat(client.command("MAIL FROM:<real@b.example>")).isEqualTo("250 2.1.0 OK");
        }
    }

    @Test
    void withoutTlsConfiguredStartTlsIsUnknown() throws Exception {
        server = TestServers.loopback().messageProcessor(processor).build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("EHLO c")).doesNotContain("STARTTLS");
            assertThat(client.command("STARTTLS")).isEqualTo("500 5.5.2 Error: command \"STARTTLS\" not recognized");
        }
    }

    @Test
    void requiringTlsRefusesMailBeforeStartTls() throws Exception {
        start(TestServers.loopback().requireTls(true));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
            client.command("STARTTLS");
            client.startTls(TestTls.clientSocketFactory());
            client.command("EHLO c");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 2.1.0 OK");
        }
    }

    @Test
    void implicitTlsListensOnASecondPort() throws Exception {
        start(TestServers.loopback().implicitTlsAddress("127.0.0.1:0"));
        assertThat(server.getImplicitTlsAddress().getPort()).isPositive().isNotEqualTo(server.getPort());
        try (SSLSocket socket = (SSLSocket) TestTls.clientSocketFactory().createSocket("127.0.0.1",
                server.getImplicitTlsAddress().getPort())) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream()));
            assertThat(in.readLine()).startsWith("220 smtpd.test");
            socket.getOutputStream().write("EHLO c\r\n".getBytes());
            String line;
            StringBuilder ehlo = new StringBuilder();
            while ((line = in.readLine()) != null && line.charAt(3) == '-') {
                ehlo.append(line).append('\n');
            }
            assertThat(ehlo.toString()).doesNotContain("STARTTLS");
        }
    }

    @Test
    void aRealClientSendsOverStartTls() throws Exception {
        start(TestServers.loopback().requireTls(true));
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(server.getPort()));
        properties.put("mail.smtp.starttls.enable", "true");
        properties.put("mail.smtp.starttls.required", "true");
        properties.put("mail.smtp.ssl.socketFactory", TestTls.clientSocketFactory());
        properties.put("mail.smtp.ssl.checkserveridentity", "true");
        MimeMessage mail = new MimeMessage(jakarta.mail.Session.getInstance(properties));
        mail.setFrom("alice@example.org");
        mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.net");
        mail.setText("over TLS");
        Transport.send(mail);
        assertThat(processor.next().message().session().isSecure()).isTrue();
    }

    @Test
    void clientCertificatesAreOptionalByDefaultAndCanBeRequired() throws Exception {
        start(TestServers.loopback().tlsClientAuth(TlsClientAuth.WANT));
        try (RawClient client = connect()) {
            client.command("EHLO c");
            client.command("STARTTLS");
            client.startTls(TestTls.clientSocketFactory());
            assertThat(client.command("EHLO c")).endsWith("250 HELP");
        }
        server.stop(Duration.ZERO);
        start(TestServers.loopback().tlsClientAuth(TlsClientAuth.NEED));
        try (RawClient client = connect()) {
            client.command("EHLO c");
            client.command("STARTTLS");
            // The handshake (or the first read after it, in TLS 1.3) fails without a client certificate.
            assertThatThrownBy(() -> {
                client.startTls(TestTls.clientSocketFactory());
                String reply = client.command("EHLO c");
                if (reply == null) {
                    throw new IOException("closed");
                }
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aFailedHandshakeClosesOnlyThatSession() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            client.command("STARTTLS");
            client.send("this is not a TLS client hello\r\n");
            assertThatThrownBy(() -> {
                String reply = client.readReply();
                if (reply != null) {
                    throw new IOException("unexpected " + reply);
                }
                throw new IOException("closed");
            }).isInstanceOf(IOException.class);
        }
        try (RawClient other = RawClient.connect(TestServers.address(server))) {
            assertThat(other.command("NOOP")).isEqualTo("250 OK");
        }
    }
}
