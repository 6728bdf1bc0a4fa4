package io.github.smtpd.mode;

import java.time.Duration;
import java.util.stream.Stream;

import io.github.smtpd.LineEndingPolicy;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor.Received;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SMTP smuggling through proxy mode (issue 6): an end-of-data look-alike followed by a smuggled transaction must
 * neither end the message here nor at the upstream. The proxy takes the look-alike as content (its default line
 * ending policy keeps bare CR and LF) and relays it with every bare CR and LF turned into CRLF and the dot
 * stuffed, so a lenient upstream can not read it as the end either. The upstream, a second instance of this
 * server, refuses any bare CR or LF after DATA (LineEndingPolicy.REJECT): a large message, which goes with DATA,
 * arriving proves none went out; a small one goes as one BDAT chunk, and arrives with the same line ends.
 */
class ProxySmugglingTest {

    private static final String SMUGGLED = "MAIL FROM:<ceo@sender.example>\r\nRCPT TO:<victim@d.example>\r\nDATA\r\n"
            + "Subject: smuggled\r\n\r\nsmuggled body\r\n";

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

    /**
     * Each look-alike, and how it arrives upstream: bare CR and LF become CRLF; after a CRLF, a dot with more on
     * its line (up to the next CRLF) is dot-stuffing, which the proxy removes as RFC 5321 4.5.2 says.
     */
    static Stream<Arguments> endOfDataLookAlikes() {
        return Stream.of(
                Arguments.of("\n.\n", "\r\n.\r\n"),
                Arguments.of("\n.\r\n", "\r\n.\r\n"),
                Arguments.of("\r\n.\n", "\r\n\r\n"),
                Arguments.of("\r.\r", "\r\n.\r\n"),
                Arguments.of("\r.\r\n", "\r\n.\r\n"),
                Arguments.of("\r\n.\r", "\r\n\r\n"))
            // A small message goes upstream as one BDAT chunk, which has no end marker to smuggle; a large one
            // goes with DATA, where the upstream's REJECT policy also sees every line end.
            .flatMap((lookAlike) -> Stream.of(false, true).map((large) ->
                    Arguments.of(lookAlike.get()[0], lookAlike.get()[1], large)));
    }

    /** Enough content to be relayed with DATA rather than as one BDAT chunk. */
    private static final String LARGE = "padding line to make the message too large for one chunk\r\n".repeat(2000);

    @ParameterizedTest(name = "{index}: large message: {2}")
    @MethodSource("endOfDataLookAlikes")
    void aLookAlikeReachesTheUpstreamAsContentOfOneMessage(String lookAlike, String relayedAs, boolean large)
            throws Exception {
        String padding = large ? LARGE : "";
        upstream = Upstream.start(TestServers.loopback().lineEndingPolicy(LineEndingPolicy.REJECT));
        proxy = ProxyModeTest.proxyServer().handler(new ProxyMode(ProxyOptions.of(upstream.hostPort()))).build();
        proxy.start();
        try (RawClient client = RawClient.connect(TestServers.address(proxy))) {
            client.command("EHLO client.example");
            assertThat(client.command("MAIL FROM:<good@sender.example>")).startsWith("250");
            assertThat(client.command("RCPT TO:<victim@d.example>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: outer\r\n\r\n" + padding + "outer body" + lookAlike + SMUGGLED + ".\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
            assertThat(client.command("NOOP")).as("the smuggled commands must not have run").isEqualTo("250 2.0.0 OK");
        }
        Received received = upstream.received.next();
        assertThat(received.message().mailFrom()).isEqualTo("good@sender.example");
        assertThat(received.message().rcptTos()).containsExactly("victim@d.example");
        assertThat(received.text()).startsWith("Received: ")
                .endsWith("\r\nSubject: outer\r\n\r\n" + padding + "outer body" + relayedAs + SMUGGLED);
        assertThat(upstream.received.all()).as("exactly one message upstream").hasSize(1);
        assertThat(upstream.sessions.get()).isEqualTo(1);
    }
}
