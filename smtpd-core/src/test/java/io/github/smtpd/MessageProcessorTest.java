package io.github.smtpd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The process_message hook, fed by a real client (Angus Mail) and by raw sockets. */
class MessageProcessorTest extends ServerTestSupport {

    private SmtpServer start(MessageProcessor processor) {
        server = TestServers.loopback().messageProcessor(processor).build();
        server.start();
        return server;
    }

    private jakarta.mail.Session mailSession() {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(server.getPort()));
        properties.put("mail.smtp.localhost", "client.example");
        return jakarta.mail.Session.getInstance(properties);
    }

    @Test
    void receivesWhatARealClientSends() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        start(processor);
        MimeMessage mail = new MimeMessage(mailSession());
        mail.setFrom("alice@example.org");
        mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.net, carol@example.net");
        mail.setSubject("Hello");
        mail.setText("First line\n.leading dot\nLast line\n", "UTF-8");
        Transport.send(mail);

        RecordingProcessor.Received received = processor.next();
        Message message = received.message();
        assertThat(message.mailFrom()).isEqualTo("alice@example.org");
        assertThat(message.rcptTos()).containsExactly("bob@example.net", "carol@example.net");
        assertThat(message.heloName()).isEqualTo("client.example");
        assertThat(message.peer().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(message.mailOptions()).isEmpty();
        String text = received.text();
        assertThat(text).contains("Subject: Hello\r\n").contains("\r\n\r\nFirst line\r\n.leading dot\r\nLast line\r\n");
        assertThat(text).doesNotContain("\r\n..leading");
        assertThat(received.content()).hasSize((int) message.size());
    }

    @Test
    void handsOnContentByteExactWithCrlfAndDotsUnstuffed() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        start(processor);
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            assertThat(client.command("MAIL FROM:<a@b.example> BODY=8BITMIME")).isEqualTo("250 2.1.0 OK");
            client.command("RCPT TO:<c@d.example>");
            assertThat(client.command("DATA")).startsWith("354");
            byte[] body = ("Subject: x\r\n\r\n..one\r\n...two\r\n.\tthree\r\nbare\nlf\rcr\r\n\u00e9t\u00e9 \u00ff\r\n"
                    + "no newline at end").getBytes(StandardCharsets.UTF_8);
            client.send(body);
            assertThat(client.command("\r\n.")).isEqualTo("250 2.0.0 OK");
        }
        byte[] expected = ("Subject: x\r\n\r\n.one\r\n..two\r\n\tthree\r\nbare\nlf\rcr\r\n\u00e9t\u00e9 \u00ff\r\n"
                + "no newline at end\r\n").getBytes(StandardCharsets.UTF_8);
        RecordingProcessor.Received received = processor.next();
        assertThat(received.content()).isEqualTo(expected);
        assertThat(received.message().mailOptions()).containsExactly("BODY=8BITMIME");
    }

    @Test
    void aReturnedReplyIsSentAsGiven() throws Exception {
        start(new RecordingProcessor().replyWith(Reply.parse("550 No such user here")));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.openData("HELO c", "a@b.example", "c@d.example");
            assertThat(client.command("Subject: x\r\n\r\nbody\r\n.")).isEqualTo("550 No such user here");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void aProcessorThatThrowsGets451AndTheClientKeepsTheMessage() throws Exception {
        start(message -> {
            throw new IllegalStateException("disk full");
        });
        MimeMessage mail = new MimeMessage(mailSession());
        mail.setFrom("alice@example.org");
        mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.net");
        mail.setText("body");
        assertThatThrownBy(() -> Transport.send(mail)).isInstanceOf(MessagingException.class)
                .satisfies(ex -> assertThat(ex.toString() + ex.getCause()).contains("451"));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.openData("HELO c", "a@b.example", "c@d.example");
            String reply = client.command("x\r\n.");
            assertThat(reply).isEqualTo("451 Requested action aborted: local error in processing");
            assertThat(reply).doesNotContain("disk full");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void severalMessagesOnOneConnection() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        start(processor);
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            for (int i = 0; i < 3; i++) {
                client.command("MAIL FROM:<a" + i + "@b.example>");
                client.command("RCPT TO:<c@d.example>");
                client.command("DATA");
                assertThat(client.command("message " + i + "\r\n.")).isEqualTo("250 2.0.0 OK");
            }
        }
        for (int i = 0; i < 3; i++) {
            RecordingProcessor.Received received = processor.next();
            assertThat(received.message().mailFrom()).isEqualTo("a" + i + "@b.example");
            assertThat(received.text()).isEqualTo("message " + i + "\r\n");
        }
    }

    @Test
    void rejectedRecipientsAreReportedByARealClient() throws Exception {
        start(new RecordingProcessor().replyWith(Reply.of(554, "Rejected by policy")));
        MimeMessage mail = new MimeMessage(mailSession());
        mail.setFrom(new InternetAddress("alice@example.org"));
        mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.net");
        mail.setText("body");
        assertThatThrownBy(() -> Transport.send(mail)).isInstanceOfAny(SendFailedException.class,
                MessagingException.class).hasMessageContaining("554");
    }

    @Test
    void aReplyWithTextBeyondAsciiReachesTheClientInUtf8() throws Exception {
        start(new RecordingProcessor().replyWith(Reply.of(550, "5.1.1", "Empfänger unbekannt ✉")));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.openData("EHLO c", "a@b.example", "c@d.example");
            assertThat(client.command("x\r\n.")).isEqualTo("550 5.1.1 Empfänger unbekannt ✉");
            // The ASCII replies after it are whole too: the non-ASCII one left nothing half-written behind.
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
    }

    @Test
    void theProcessorSeesTheRemoteAddressAndTheSession() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        server = TestServers.loopback().remoteAddress("upstream.example:25").messageProcessor(processor).build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.openData("HELO c", "a@b.example", "c@d.example");
            client.command("x\r\n.");
        }
        Message message = processor.next().message();
        assertThat(message.remoteAddress().getHostString()).isEqualTo("upstream.example");
        assertThat(message.remoteAddress().getPort()).isEqualTo(25);
        assertThat(message.session().fqdn()).isEqualTo("smtpd.test");
        assertThat(message.session().heloName()).isEqualTo("c");
    }
}
