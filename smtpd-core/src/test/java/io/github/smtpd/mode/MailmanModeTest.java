package io.github.smtpd.mode;

import java.io.IOException;
import java.time.Duration;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.relay.UpstreamOptions;
import io.github.smtpd.test.AiosmtpdServer;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor.Received;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mailman mode against a real LMTP server, aiosmtpd's (the server Mailman 3 itself runs), answering as Mailman
 * does (see {@code mailman_lmtp.py}), and a second instance of this server as the SMTP relay upstream.
 */
class MailmanModeTest {

    private AiosmtpdServer mailman;

    private Upstream upstream;

    private SmtpServer gateway;

    @BeforeEach
    void start() throws Exception {
        AiosmtpdServer.assumeAiosmtpd();
        mailman = AiosmtpdServer.start("mailman_lmtp.py");
        upstream = Upstream.start();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ZERO);
        }
        if (upstream != null) {
            upstream.close();
        }
        if (mailman != null) {
            mailman.close();
        }
    }

    private RawClient connect(MailmanOptions options) throws IOException {
        gateway = ProxyModeTest.proxyServer().handler(new MailmanMode(options)).build();
        gateway.start();
        RawClient client = RawClient.connect(TestServers.address(gateway));
        assertThat(client.command("EHLO client.example")).startsWith("250");
        return client;
    }

    private MailmanOptions.Builder options() {
        return MailmanOptions.builder().lmtpAddress(mailman.hostPort()).listDomains("lists.example.org")
                .relay(ProxyOptions.of(upstream.hostPort()));
    }

    private static void send(RawClient client, String data, String expectedReply) throws IOException {
        assertThat(client.command("DATA")).startsWith("354");
        client.send(data + "\r\n.\r\n");
        assertThat(client.readReply()).startsWith(expectedReply);
    }

    @Test
    void splitsATransactionBetweenMailmanAndTheRelay() throws Exception {
        try (RawClient client = connect(options().build())) {
            // First transaction: the list recipient decides it goes to Mailman; the other one must wait.
            assertThat(client.command("MAIL FROM:<author@example.net> BODY=8BITMIME")).startsWith("250");
            assertThat(client.command("RCPT TO:<announce@lists.example.org>")).isEqualTo("250 2.0.0 Ok");
            assertThat(client.command("RCPT TO:<friend@example.net>")).isEqualTo(
                    "452 4.5.3 Mailing-list and other recipients go in separate transactions: send this one again separately");
            assertThat(client.command("RCPT TO:<announce-request@lists.example.org>")).isEqualTo("250 2.0.0 Ok");
            send(client, "Subject: to the list\r\n\r\nHello list, caf\u00e9", "250 2.0.0 OK: delivered to all 2 recipients");

            // Second transaction, as the client retries the deferred recipient: it goes to the relay.
            assertThat(client.command("MAIL FROM:<author@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<friend@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<announce@lists.example.org>")).startsWith("452 ");
            send(client, "Subject: to the friend\r\n\r\nHello friend", "250 2.0.0 Queued as ");
        }

        AiosmtpdServer.Delivery first = mailman.nextDelivery();
        AiosmtpdServer.Delivery second = mailman.nextDelivery();
        assertThat(first.rcptTo()).isEqualTo("announce@lists.example.org");
        assertThat(second.rcptTo()).isEqualTo("announce-request@lists.example.org");
        assertThat(first.mailFrom()).isEqualTo("author@example.net");
        assertThat(first.mailOptions()).containsExactly("BODY=8BITMIME");
        assertThat(first.text()).startsWith("Received: from client.example ([127.0.0.1])\r\n")
                .endsWith("Subject: to the list\r\n\r\nHello list, caf\u00e9\r\n");
        assertThat(first.text().split("Received:", -1)).as("one Received field, the engine's").hasSize(2);

        Received relayed = upstream.received.next();
        assertThat(relayed.message().rcptTos()).containsExactly("friend@example.net");
        assertThat(relayed.text()).contains("Subject: to the friend");
        assertThat(relayed.text().split("Received:", -1)).as("one Received field, the engine's").hasSize(2);
        assertThat(upstream.received.all()).hasSize(1);
        assertThat(mailman.deliveredRecipients()).isEmpty();
    }

    @Test
    void answers250OnlyWhenMailmanAcceptedEveryRecipient() throws Exception {
        try (RawClient client = connect(options().build())) {
            assertThat(client.command("MAIL FROM:<author@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<announce@lists.example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<held@lists.example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<closed@lists.example.org>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: partly\r\n\r\nbody\r\n.\r\n");
            // One temporary failure among them: the client must retry, and is told who failed how.
            assertThat(client.readReply()).isEqualTo("""
                    451-4.0.0 Not delivered to every recipient, try again later
                    451-4.0.0 <announce@lists.example.org>: 250 Ok
                    451-4.0.0 <held@lists.example.org>: 451 Requested action aborted: error in processing
                    451 4.0.0 <closed@lists.example.org>: 550 Requested action not taken: list closed""");

            assertThat(client.command("MAIL FROM:<author@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<closed@lists.example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<closed-too@lists.example.org>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: refused\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).startsWith("550-5.0.0 Not delivered to every recipient\n");
        }
    }

    @Test
    void passesMailmansRefusalOfAnUnknownList() throws Exception {
        try (RawClient client = connect(options().build())) {
            assertThat(client.command("MAIL FROM:<author@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<nolist@lists.example.org>"))
                    .isEqualTo("550 5.0.0 Requested action not taken: mailbox unavailable");
            // Nothing was accepted by Mailman, so the transaction may still go to the relay instead.
            assertThat(client.command("RCPT TO:<friend@example.net>")).startsWith("250");
            send(client, "Subject: relayed\r\n\r\nbody", "250 2.0.0 Queued as ");
        }
        assertThat(upstream.received.next().message().rcptTos()).containsExactly("friend@example.net");
    }

    @Test
    void takesListMailFromAnyoneButRelaysOnlyForTrustedNetworks() throws Exception {
        MailmanOptions options = options().relay(ProxyOptions.builder()
                .upstream(UpstreamOptions.builder().addresses(upstream.hostPort()).build())
                .trustedNetworks("192.0.2.0/24").build()).build();
        try (RawClient client = connect(options)) {
            assertThat(client.command("MAIL FROM:<author@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<friend@example.net>")).isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("RCPT TO:<announce@lists.example.org>")).isEqualTo("250 2.0.0 Ok");
            send(client, "Subject: from outside\r\n\r\nbody", "250 2.0.0 Ok");
        }
        assertThat(mailman.nextDelivery().rcptTo()).isEqualTo("announce@lists.example.org");
        assertThat(upstream.sessions.get()).isZero();
    }

    @Test
    void routesOnlyTheConfiguredListsWhenListNamesAreGiven() throws Exception {
        MailmanOptions options = options().listNames("announce").build();
        try (RawClient client = connect(options)) {
            assertThat(client.command("MAIL FROM:<author@example.net>")).startsWith("250");
            // Not a list: relayed like any address, although it is in the list domain.
            assertThat(client.command("RCPT TO:<postmaster@lists.example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<announce-bounces+bob=example.net@lists.example.org>"))
                    .startsWith("452 ");
            send(client, "Subject: postmaster\r\n\r\nbody", "250 2.0.0 Queued as ");
        }
        assertThat(upstream.received.next().message().rcptTos()).containsExactly("postmaster@lists.example.org");
    }

    @Test
    void answers451WhenMailmanIsDown() throws Exception {
        MailmanOptions options = options().lmtpAddress(ProxyModeTest.closedPort()).build();
        try (RawClient client = connect(options)) {
            assertThat(client.command("MAIL FROM:<author@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<announce@lists.example.org>"))
                    .isEqualTo("451 4.4.1 Upstream server unavailable, try again later");
            assertThat(client.command("RCPT TO:<friend@example.net>")).startsWith("250");
        }
    }
}
