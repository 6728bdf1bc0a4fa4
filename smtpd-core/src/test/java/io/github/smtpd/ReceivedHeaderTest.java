package io.github.smtpd;

import java.time.Duration;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The Received: trace header (RFC 5321 4.4), on by default. */
class ReceivedHeaderTest extends ServerTestSupport {

    private final RecordingProcessor processor = new RecordingProcessor();

    private String send(SmtpServer.Builder builder, String greeting, String... recipients) throws Exception {
        server = builder.messageProcessor(processor).build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command(greeting);
            client.command("MAIL FROM:<a@b.example>");
            for (String recipient : recipients) {
                client.command("RCPT TO:<" + recipient + ">");
            }
            client.command("DATA");
            assertThat(client.command("Subject: x\r\n\r\nbody\r\n.")).endsWith("OK");
        }
        return processor.next().text();
    }

    @Test
    void isPrependedByDefault() throws Exception {
        String text = send(io.github.smtpd.SmtpServer.builder().localAddress("127.0.0.1:0").hostName("smtpd.test"),
                "EHLO client.example", "c@d.example");
        assertThat(text).matches("(?s)Received: from client\\.example \\(\\[127\\.0\\.0\\.1\\]\\)\r\n"
                + "\tby smtpd\\.test \\(smtpd for Java\\) with ESMTP id \\S+\r\n"
                + "\tfor <c@d\\.example>; \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\r\n"
                + "Subject: x\r\n\r\nbody\r\n");
    }

    @Test
    void namesNoRecipientWhenThereAreSeveralAndSaysSmtpAfterHelo() throws Exception {
        String text = send(io.github.smtpd.SmtpServer.builder().localAddress("127.0.0.1:0").hostName("smtpd.test"),
                "HELO client.example", "c@d.example", "e@f.example");
        String header = text.substring(0, text.indexOf("Subject:"));
        assertThat(header).contains(" with SMTP id ").doesNotContain("for <");
    }

    @Test
    void canBeTurnedOff() throws Exception {
        String text = send(TestServers.loopback().receivedHeader(false), "EHLO client.example", "c@d.example");
        assertThat(text).isEqualTo("Subject: x\r\n\r\nbody\r\n");
    }
}
