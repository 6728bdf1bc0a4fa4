package io.github.smtpd.mode;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import io.github.smtpd.Cidr;
import io.github.smtpd.Message;
import io.github.smtpd.Protocol;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.RecordingProcessor.Received;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mailman mode against this project's own LMTP server standing in for Mailman 3, so the mode is tested where
 * aiosmtpd is not installed ({@link MailmanModeTest} runs the same ideas against aiosmtpd's LMTP). The stand-in
 * answers per recipient as Mailman does: {@code nolist*} is refused at RCPT, {@code held*} fails temporarily
 * and {@code closed*} permanently after the data, anything else is delivered.
 */
class MailmanOwnLmtpTest {

    private final RecordingProcessor delivered = new RecordingProcessor();

    private SmtpServer mailman;

    private Upstream upstream;

    private SmtpServer gateway;

    @BeforeEach
    void start() {
        mailman = TestServers.loopback().protocol(Protocol.LMTP).handler(new MailmanLike()).build();
        mailman.start();
        upstream = Upstream.start();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ZERO);
        }
        upstream.close();
        mailman.stop(Duration.ZERO);
    }

    /** Mailman's LMTP runner, in short. */
    private final class MailmanLike implements SmtpHandler {

        @Override
        public Reply onRcpt(SmtpSession session, String address, List<String> options) {
            return address.startsWith("nolist") ? Reply.of(550, "5.1.1", "Requested action not taken: mailbox unavailable")
                    : null;
        }

        @Override
        public Reply onData(Message message) {
            for (int i = 0; i < message.rcptTos().size(); i++) {
                String recipient = message.rcptTos().get(i);
                if (recipient.startsWith("held")) {
                    message.setRecipientReply(i, Reply.of(451, "4.3.0", "Requested action aborted: error in processing"));
                }
                else if (recipient.startsWith("closed")) {
                    message.setRecipientReply(i, Reply.of(550, "5.2.1", "Requested action not taken: list closed"));
                }
            }
            delivered.process(message);
            return null;
        }
    }

    private MailmanOptions.Builder options() {
        return MailmanOptions.builder().lmtpAddress("127.0.0.1:" + mailman.getPort()).listDomains("lists.example.org")
                .relay(ProxyOptions.of(upstream.hostPort()));
    }

    private RawClient connect(MailmanOptions options, String proxyHeader) throws IOException {
        gateway = ProxyModeTest.proxyServer().proxyProtocol(List.of(Cidr.parse("127.0.0.1")))
                .handler(new MailmanMode(options)).build();
        gateway.start();
        RawClient client = RawClient.open(TestServers.address(gateway));
        client.send(proxyHeader);
        assertThat(client.readReply()).startsWith("220 ");
        assertThat(client.command("EHLO client.example")).startsWith("250");
        return client;
    }

    /** Sends the data and returns the reply to it. */
    private static String send(RawClient client, String subject) throws IOException {
        assertThat(client.command("DATA")).startsWith("354");
        client.send("Subject: " + subject + "\r\n\r\nbody\r\n.\r\n");
        return client.readReply();
    }

    @Test
    void deliversListMailOverLmtpAndAnswers250OnlyWhenEveryRecipientWasAccepted() throws Exception {
        try (RawClient client = connect(options().build(), "PROXY TCP4 127.0.0.1 127.0.0.1 40000 25\r\n")) {
            assertThat(client.command("MAIL FROM:<author@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<announce@lists.example.org>")).isEqualTo("250 2.1.5 OK");
            assertThat(client.command("RCPT TO:<nolist@lists.example.org>"))
                    .isEqualTo("550 5.1.1 Requested action not taken: mailbox unavailable");
            assertThat(client.command("RCPT TO:<announce-request@lists.example.org>")).isEqualTo("250 2.1.5 OK");
            assertThat(send(client, "to the list")).isEqualTo("250 2.0.0 OK: delivered to all 2 recipients");

            assertThat(client.command("MAIL FROM:<author@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<announce@lists.example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<held@lists.example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<closed@lists.example.org>")).startsWith("250");
            assertThat(send(client, "partly")).isEqualTo("""
                    451-4.3.0 Not delivered to every recipient, try again later
                    451-4.3.0 <announce@lists.example.org>: 250 OK
                    451-4.3.0 <held@lists.example.org>: 451 Requested action aborted: error in processing
                    451 4.3.0 <closed@lists.example.org>: 550 Requested action not taken: list closed""");
        }
        Received first = delivered.next();
        assertThat(first.message().rcptTos()).containsExactly("announce@lists.example.org",
                "announce-request@lists.example.org");
        assertThat(first.text()).startsWith("Received: from client.example ([127.0.0.1])\r\n")
                .endsWith("\r\nSubject: to the list\r\n\r\nbody\r\n");
        assertThat(first.text().split("Received:", -1)).as("one Received field, the gateway's").hasSize(2);
        assertThat(upstream.sessions.get()).isZero();
    }

    @Test
    void takesListMailFromOutsideAndRelaysOnlyToTheRelayDomains() throws Exception {
        MailmanOptions options = options().relay(ProxyOptions.builder()
                .upstream(io.github.smtpd.relay.UpstreamOptions.builder().addresses(upstream.hostPort()).build())
                .relayDomains("example.net").build()).build();
        try (RawClient client = connect(options, "PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\n")) {
            assertThat(client.command("MAIL FROM:<author@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<friend@example.com>")).isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("RCPT TO:<announce@lists.example.org>")).isEqualTo("250 2.1.5 OK");
            assertThat(send(client, "from outside")).isEqualTo("250 2.0.0 OK");

            assertThat(client.command("MAIL FROM:<author@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<friend@example.com>")).isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("RCPT TO:<friend@example.net>")).startsWith("250");
            assertThat(send(client, "inbound")).startsWith("250 2.0.0 Queued as ");
        }
        assertThat(delivered.next().message().rcptTos()).containsExactly("announce@lists.example.org");
        assertThat(upstream.received.next().message().rcptTos()).containsExactly("friend@example.net");
    }
}
