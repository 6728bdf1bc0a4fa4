package io.github.smtpd;

import java.time.Duration;
import java.util.stream.Stream;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SMTP smuggling: no end-of-data look-alike may end a message or start a second one. Each variant is followed by
 * a smuggled transaction; only one message may come out, and it must carry the smuggled text as content.
 */
class SmugglingTest extends ServerTestSupport {

    private final RecordingProcessor processor = new RecordingProcessor();

    static Stream<String> endOfDataLookAlikes() {
        return Stream.of("\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\r.\r\n", "\r\n.\r", "\n.\r", "\r.\n", "\r\n\u0000.\r\n",
                "\r\n.\u0000\r\n", "\r\n \r\n.\r\n".substring(0, 4) + ".\n");
    }

    private void smuggle(String lookAlike) throws Exception {
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.openData("EHLO c", "good@sender.example", "victim@d.example");
            client.send("Subject: outer\r\n\r\nouter body" + lookAlike
                    + "MAIL FROM:<ceo@sender.example>\r\nRCPT TO:<victim@d.example>\r\nDATA\r\n"
                    + "Subject: smuggled\r\n\r\nsmuggled body\r\n.\r\n");
            String reply = client.readReply();
            assertThat(client.command("NOOP")).as("the smuggled commands must not have run").isEqualTo("250 2.0.0 OK");
            server.stop(Duration.ofSeconds(5));
            assertThat(reply).isNotNull();
        }
    }

    @ParameterizedTest
    @MethodSource("endOfDataLookAlikes")
    void aLookAlikeIsContentByDefault(String lookAlike) throws Exception {
        server = TestServers.loopback().messageProcessor(processor).build();
        server.start();
        smuggle(lookAlike);
        assertThat(processor.all()).hasSize(1);
        String text = processor.all().get(0).text();
        assertThat(text).contains("outer body").contains("MAIL FROM:<ceo@sender.example>").contains("smuggled body");
    }

    @ParameterizedTest
    @MethodSource("endOfDataLookAlikes")
    void aLookAlikeIsRefusedWhenBareLineEndingsAreRejected(String lookAlike) throws Exception {
        server = TestServers.loopback().lineEndingPolicy(LineEndingPolicy.REJECT).messageProcessor(processor).build();
        server.start();
        smuggle(lookAlike);
        boolean bare = lookAlike.replace("\r\n", "").contains("\r") || lookAlike.replace("\r\n", "").contains("\n");
        if (bare) {
            assertThat(processor.all()).isEmpty();
        }
        else {
            assertThat(processor.all()).hasSize(1);
        }
    }

    /** Sends one message in two BDAT chunks and returns the reply to the last. */
    private String sendInChunks(String mailParameters, String first, String last) throws Exception {
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("EHLO c")).startsWith("250");
            assertThat(client.command("MAIL FROM:<good@sender.example>" + mailParameters)).startsWith("250");
            assertThat(client.command("RCPT TO:<victim@d.example>")).startsWith("250");
            client.send("BDAT " + first.length() + "\r\n" + first);
            assertThat(client.readReply()).startsWith("250");
            client.send("BDAT " + last.length() + " LAST\r\n" + last);
            return client.readReply();
        }
    }

    /**
     * The server's processor, as a handler with a RCPT hook when {@code blockingHooks}: such a hook runs on the
     * executor and the session waits for its answer, the path of an application's blocking hooks.
     */
    private SmtpServer.Builder receiving(SmtpServer.Builder builder, boolean blockingHooks) {
        if (!blockingHooks) {
            return builder.messageProcessor(processor);
        }
        return builder.handler(new SmtpHandler() {
            @Override
            public Reply onRcpt(SmtpSession session, String address, java.util.List<String> options) {
                return null;
            }

            @Override
            public Reply onData(Message message) {
                return processor.process(message);
            }
        });
    }

    @ParameterizedTest(name = "blocking hooks: {0}")
    @ValueSource(booleans = { false, true })
    void theLineEndingPolicyHoldsForAMessageSentInChunks(boolean blockingHooks) throws Exception {
        server = receiving(TestServers.loopback().lineEndingPolicy(LineEndingPolicy.REJECT), blockingHooks).build();
        server.start();
        // A CRLF cut between two chunks is a line end like any other.
        assertThat(sendInChunks("", "Subject: a\r", "\n\r\nbody\r\n")).startsWith("250");
        assertThat(sendInChunks("", "Subject: a\r", "\n\r\nbody\n.\r\n"))
            .isEqualTo("550 5.6.0 Error: bare CR or LF in message data; end lines with CRLF");
        assertThat(sendInChunks("", "Subject: a\r", "\r\n\r\nbody\r\n"))
            .isEqualTo("550 5.6.0 Error: bare CR or LF in message data; end lines with CRLF");
        // Binary content has no lines to check.
        assertThat(sendInChunks(" BODY=BINARYMIME", "Subject: a\r", "\n\r\n\n\r\u0000\n")).startsWith("250");
        assertThat(processor.all()).hasSize(2);
    }

    @ParameterizedTest(name = "blocking hooks: {0}")
    @ValueSource(booleans = { false, true })
    void theLineLengthLimitHoldsForAMessageSentInChunks(boolean blockingHooks) throws Exception {
        server = receiving(TestServers.loopback().maxDataLineLength(20), blockingHooks).build();
        server.start();
        assertThat(sendInChunks("", "Subject: twenty char", "\r\n\r\nbody\r\n")).startsWith("250");
        assertThat(sendInChunks("", "Subject: twenty-one c", "hars\r\n\r\nbody\r\n"))
            .isEqualTo("554 5.6.0 Error: message line longer than 20 characters");
        assertThat(processor.all()).hasSize(1);
    }
}
