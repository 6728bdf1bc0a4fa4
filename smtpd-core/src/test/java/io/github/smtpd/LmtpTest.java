package io.github.smtpd;

import java.time.Duration;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** LMTP (RFC 2033): LHLO, and one reply per recipient after DATA. */
class LmtpTest extends ServerTestSupport {

    private RawClient transaction(MessageProcessor processor, String... recipients) throws Exception {
        server = TestServers.loopback().protocol(Protocol.LMTP).messageProcessor(processor).build();
        server.start();
        RawClient client = RawClient.open(TestServers.address(server));
        assertThat(client.readReply()).isEqualTo("220 smtpd.test LMTP smtpd for Java");
        assertThat(client.command("LHLO c")).startsWith("250-smtpd.test").endsWith("250 HELP");
        client.command("MAIL FROM:<a@b.example>");
        for (String recipient : recipients) {
            assertThat(client.command("RCPT TO:<" + recipient + ">")).isEqualTo("250 2.1.5 OK");
        }
        assertThat(client.command("DATA")).startsWith("354");
        return client;
    }

    @Test
    void aSingleReplyAppliesToEveryRecipient() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        try (RawClient client = transaction(processor, "one@d.example", "two@d.example")) {
            client.send("Subject: x\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).isEqualTo("250 2.0.0 OK");
            assertThat(client.readReply()).isEqualTo("250 2.0.0 OK");
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
        assertThat(processor.next().message().rcptTos()).containsExactly("one@d.example", "two@d.example");
    }

    @Test
    void eachRecipientCanGetItsOwnReply() throws Exception {
        MessageProcessor processor = message -> {
            message.setRecipientReply("full@d.example", Reply.of(452, "4.2.2", "Mailbox full"));
            message.setRecipientReply(2, Reply.of(550, "5.1.1", "No such user"));
            return null;
        };
        try (RawClient client = transaction(processor, "ok@d.example", "full@d.example", "nobody@d.example")) {
            client.send("x\r\n.\r\n");
            assertThat(client.readReply()).isEqualTo("250 2.0.0 OK");
            assertThat(client.readReply()).isEqualTo("452 4.2.2 Mailbox full");
            assertThat(client.readReply()).isEqualTo("550 5.1.1 No such user");
        }
    }

    @Test
    void aFailingProcessorFailsEveryRecipientTemporarily() throws Exception {
        try (RawClient client = transaction(message -> {
            throw new IllegalStateException("store down");
        }, "one@d.example", "two@d.example")) {
            client.send("x\r\n.\r\n");
            assertThat(client.readReply()).startsWith("451 4.3.0");
            assertThat(client.readReply()).startsWith("451 4.3.0");
        }
    }

    @Test
    void heloAndEhloAreNotLmtp() throws Exception {
        server = TestServers.loopback().protocol(Protocol.LMTP).messageProcessor(new RecordingProcessor()).build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("HELO c")).isEqualTo("500 Error: command \"HELO\" not recognized");
            assertThat(client.command("EHLO c")).isEqualTo("500 Error: command \"EHLO\" not recognized");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("503 Error: send HELO first");
        }
    }

    @Test
    void anOversizedMessageIsRefusedForEveryRecipient() throws Exception {
        server = TestServers.loopback().protocol(Protocol.LMTP).dataSizeLimit(5)
                .messageProcessor(new RecordingProcessor()).build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("LHLO c");
            client.command("MAIL FROM:<a@b.example>");
            client.command("RCPT TO:<one@d.example>");
            client.command("RCPT TO:<two@d.example>");
            client.command("DATA");
            client.send("too long for five\r\n.\r\n");
            assertThat(client.readReply()).startsWith("552 5.3.4");
            assertThat(client.readReply()).startsWith("552 5.3.4");
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
    }
}
