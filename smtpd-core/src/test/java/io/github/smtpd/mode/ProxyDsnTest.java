package io.github.smtpd.mode;

import java.io.IOException;
import java.time.Duration;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DSN parameters (RFC 3461) through proxy mode, to a second instance of this server whose processor records the
 * options it was handed: forwarded when the upstream offers DSN, dropped when it does not.
 */
class ProxyDsnTest {

    private Upstream upstream;

    private SmtpServer proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.stop(Duration.ZERO);
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** Sends one message with DSN parameters on MAIL and on both recipients; returns what the upstream got. */
    private Message relayWithDsnParameters() throws Exception {
        proxy = ProxyModeTest.proxyServer().handler(new ProxyMode(ProxyOptions.of(upstream.hostPort()))).build();
        proxy.start();
        try (RawClient client = RawClient.connect(TestServers.address(proxy))) {
            assertThat(client.command("EHLO client.example")).contains("250-DSN");
            // ENVID and ORCPT are xtext, whose case must survive the trip.
            assertThat(client.command("MAIL FROM:<sender@example.org> RET=HDRS ENVID=Qq314+2B159")).startsWith("250");
            assertThat(client.command("RCPT TO:<a@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;A@example.net"))
                    .startsWith("250");
            assertThat(client.command("RCPT TO:<b@example.net> NOTIFY=NEVER")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: dsn\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250 ");
        }
        return upstream.received.next().message();
    }

    @Test
    void forwardsRetEnvidNotifyAndOrcptToAnUpstreamThatOffersDsn() throws Exception {
        upstream = Upstream.start();
        Message arrived = relayWithDsnParameters();
        assertThat(arrived.mailOptions()).containsExactly("RET=HDRS", "ENVID=Qq314+2B159");
        assertThat(arrived.rcptTos()).containsExactly("a@example.net", "b@example.net");
        assertThat(arrived.rcptOptions(0)).containsExactly("NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;A@example.net");
        assertThat(arrived.rcptOptions(1)).containsExactly("NOTIFY=NEVER");
    }

    @Test
    void dropsThemForAnUpstreamWithoutDsn() throws Exception {
        // An upstream that refuses EHLO: the relay falls back to HELO, where no extension, DSN included, exists.
        upstream = Upstream.start(TestServers.loopback().command("EHLO",
                (session, argument) -> session.reply(Reply.of(502, "5.5.1", "Error: command not implemented"))));
        Message arrived = relayWithDsnParameters();
        assertThat(arrived.session().isExtended()).isFalse();
        assertThat(arrived.mailOptions()).isEmpty();
        assertThat(arrived.rcptTos()).containsExactly("a@example.net", "b@example.net");
        assertThat(arrived.rcptOptions(0)).isEmpty();
        assertThat(arrived.rcptOptions(1)).isEmpty();
    }

    @Test
    void passesTheAuthSubmitterOnlyForAnAuthenticatedClient() throws Exception {
        // RFC 4954 5: the AUTH= of a client that did not authenticate goes on as AUTH=<>.
        upstream = Upstream.start(TestServers.loopback().authenticator((session, user, password) -> null)
                .allowPlaintextAuth(true));
        proxy = ProxyModeTest.proxyServer().authenticator((session, user, password) -> "alice".equals(user)
                && "wonderland".equals(password) ? user : null).allowPlaintextAuth(true)
                .authFailureDelay(Duration.ZERO).handler(new ProxyMode(ProxyOptions.of(upstream.hostPort()))).build();
        proxy.start();
        try (RawClient client = RawClient.connect(TestServers.address(proxy))) {
            client.command("EHLO client.example");
            send(client, "MAIL FROM:<alice@example.org> AUTH=alice@example.org");
            assertThat(client.command("AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=")).startsWith("235"); // alice, wonderland
            send(client, "MAIL FROM:<alice@example.org> AUTH=alice@example.org");
        }
        assertThat(upstream.received.next().message().mailOptions()).containsExactly("AUTH=<>");
        assertThat(upstream.received.next().message().mailOptions()).containsExactly("AUTH=alice@example.org");
    }

    private static void send(RawClient client, String mail) throws IOException {
        assertThat(client.command(mail)).startsWith("250");
        assertThat(client.command("RCPT TO:<b@example.net>")).startsWith("250");
        assertThat(client.command("DATA")).startsWith("354");
        client.send("Subject: submitter\r\n\r\nbody\r\n.\r\n");
        assertThat(client.readReply()).startsWith("250 ");
    }
}
