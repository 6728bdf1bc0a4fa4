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
}
