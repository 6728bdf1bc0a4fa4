package io.github.smtpd.mode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import io.github.smtpd.Cidr;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.relay.UpstreamOptions;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor.Received;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may relay through proxy mode, over real sockets. Every test client connects from loopback, which the
 * default trusts, so each one first sends a hand-built PROXY v1 header: the proxy, trusting 127.0.0.1 as a load
 * balancer, then sees the client as 203.0.113.7, an address out on the internet.
 */
class RelayControlTest {

    private static final String EXTERNAL_CLIENT = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\n";

    private Upstream upstream;

    private SmtpServer proxy;

    @BeforeEach
    void startUpstream() {
        upstream = Upstream.start();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.stop(Duration.ZERO);
        }
        upstream.close();
    }

    /** A proxy behind a load balancer at 127.0.0.1, with a user alice who may AUTH without TLS for the test. */
    private RawClient connectFromOutside(ProxyOptions options) throws IOException {
        proxy = ProxyModeTest.proxyServer().proxyProtocol(List.of(Cidr.parse("127.0.0.1")))
                .authenticator((session, user, password) -> "alice".equals(user) && "wonderland".equals(password)
                        ? user : null)
                .allowPlaintextAuth(true).authFailureDelay(Duration.ZERO)
                .handler(new ProxyMode(options)).build();
        proxy.start();
        RawClient client = RawClient.open(TestServers.address(proxy));
        client.send(EXTERNAL_CLIENT);
        assertThat(client.readReply()).startsWith("220 ");
        assertThat(client.command("EHLO client.example")).startsWith("250");
        return client;
    }

    private ProxyOptions.Builder options() {
        return ProxyOptions.builder().upstream(UpstreamOptions.builder().addresses(upstream.hostPort()).build());
    }

    private static String authPlain(String user, String password) {
        return "AUTH PLAIN " + Base64.getEncoder()
                .encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theDefaultIsNotAnOpenRelay() throws Exception {
        try (RawClient client = connectFromOutside(ProxyOptions.of(upstream.hostPort()))) {
            assertThat(client.command("MAIL FROM:<spammer@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<victim@example.net>")).isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("RCPT TO:<postmaster@example.net>")).isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("DATA")).isEqualTo("503 5.5.1 Error: need RCPT command");
        }
        assertThat(upstream.sessions.get()).as("no upstream connection for a client that may not relay").isZero();
    }

    @Test
    void anAuthenticatedClientMayRelayFromAnyAddress() throws Exception {
        try (RawClient client = connectFromOutside(options().build())) {
            assertThat(client.command("MAIL FROM:<alice@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<bob@example.net>")).isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("RSET")).startsWith("250");

            assertThat(client.command(authPlain("alice", "wonderland"))).startsWith("235");
            assertThat(client.command("MAIL FROM:<alice@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<bob@example.net>")).startsWith("250 ");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: from alice\r\n\r\nhello\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }
        Received received = upstream.received.next();
        assertThat(received.message().rcptTos()).containsExactly("bob@example.net");
        assertThat(received.text()).startsWith("Received: from client.example ([203.0.113.7])\r\n")
                .contains("(authenticated sender: alice)").contains(" with ESMTPA id ");
    }

    @Test
    void anAuthenticatedClientMayNotRelayWhenThatIsTurnedOff() throws Exception {
        try (RawClient client = connectFromOutside(options().authenticatedClientsMayRelay(false).build())) {
            assertThat(client.command(authPlain("alice", "wonderland"))).startsWith("235");
            assertThat(client.command("MAIL FROM:<alice@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<bob@example.net>")).isEqualTo("554 5.7.1 Relay access denied");
        }
        assertThat(upstream.sessions.get()).isZero();
    }

    @Test
    void takesRelayDomainRecipientsFromAnyoneAndNoOthers() throws Exception {
        try (RawClient client = connectFromOutside(options().relayDomains("example.net").build())) {
            assertThat(client.command("MAIL FROM:<stranger@example.org>")).startsWith("250");
            // Exact domain, any case.
            assertThat(client.command("RCPT TO:<user@Example.NET>")).startsWith("250 ");
            assertThat(client.command("RCPT TO:<user@sub.example.net>")).isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("RCPT TO:<user@example.org>")).isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("RCPT TO:<user@example.net.evil.example>"))
                    .isEqualTo("554 5.7.1 Relay access denied");
            // A route in the local part could make the upstream pass the mail on to a third party.
            assertThat(client.command("RCPT TO:<user%evil.example@example.net>"))
                    .isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("RCPT TO:<\"user@evil.example\"@example.net>"))
                    .isEqualTo("554 5.7.1 Relay access denied");
            // The upstream still has its say on the recipients we let through.
            assertThat(client.command("RCPT TO:<nobody@example.net>")).isEqualTo("550 5.1.1 No such user here");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: inbound\r\n\r\nhello\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }
        assertThat(upstream.received.next().message().rcptTos()).containsExactly("user@Example.NET");
        assertThat(upstream.received.all()).hasSize(1);
    }

    @Test
    void aRelayDomainClientHearsTheUpstreamsRefusalOfTheSenderAtItsFirstRecipient() throws Exception {
        // The upstream session of a client that may only reach the relay domains opens at its first recipient.
        try (RawClient client = connectFromOutside(options().relayDomains("example.net").build())) {
            assertThat(client.command("MAIL FROM:<blocked@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<user@example.net>")).isEqualTo("550 5.7.1 Sender blocked here");
            assertThat(client.command("DATA")).isEqualTo("503 5.5.1 Error: need RCPT command");
        }
        assertThat(upstream.received.all()).isEmpty();
    }
}
