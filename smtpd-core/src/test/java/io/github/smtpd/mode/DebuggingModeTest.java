package io.github.smtpd.mode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.TestServers;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The debugging mode over a real socket. The expected output was printed by Python 3.11's own
 * {@code python3 -m smtpd -n -c DebuggingServer} for the same conversation; {@link SmtpdDebuggingParityTest}
 * checks it again against a live smtpd where one is installed.
 */
class DebuggingModeTest {

    /** The message both servers were sent: 8-bit, quotes, a stuffed dot, a tab, a backslash, bare CR and LF. */
    static final byte[] MESSAGE = ("From: a@example.org\r\nSubject: caf\u00e9 'q' \"d\"\r\n\r\nline1\r\n..dot\r\n"
            + "\tTab\\ \u00e9 end\r\n\r\nbare\rcr\nlf\r\n.\r\n").getBytes(StandardCharsets.UTF_8);

    static final String SMTPD_OUTPUT = """
            ---------- MESSAGE FOLLOWS ----------
            mail options: ['BODY=8BITMIME', 'SIZE=100']
            b'From: a@example.org'
            b'Subject: caf\\xc3\\xa9 \\'q\\' "d"'
            b'X-Peer: 127.0.0.1'
            b''
            b'line1'
            b'.dot'
            b'\\tTab\\\\ \\xc3\\xa9 end'
            b''
            b'bare'
            b'cr'
            b'lf'
            ------------ END MESSAGE ------------
            ---------- MESSAGE FOLLOWS ----------
            b'Subject: no body'
            ------------ END MESSAGE ------------
            ---------- MESSAGE FOLLOWS ----------
            b"Subject: it's"
            b'X-Peer: 127.0.0.1'
            b''
            b'"it\\'s"'
            ------------ END MESSAGE ------------
            """;

    /** The same first message through smtpd with decode_data=True: text lines, no mail options line. */
    static final String SMTPD_DECODED_OUTPUT = """
            ---------- MESSAGE FOLLOWS ----------
            From: a@example.org
            Subject: caf\u00e9 'q' "d"
            X-Peer: 127.0.0.1

            line1
            .dot
            \tTab\\ \u00e9 end

            bare
            cr
            lf
            ------------ END MESSAGE ------------
            """;

    private SmtpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    /**
     * A server that answers and prints as smtpd did: smtpd had no enhanced status codes ("250 OK", not
     * "250 2.0.0 OK") and added no {@code Received:} header, which would be printed as a line of the message.
     */
    static SmtpServer.Builder smtpdLike() {
        return TestServers.loopback().enhancedStatusCodes(false).receivedHeader(false);
    }

    /** Sends the three messages of the smtpd comparison over one session. */
    static void sendSmtpdConversation(InetSocketAddress address) throws IOException {
        try (RawClient client = RawClient.connect(address)) {
            assertThat(client.command("EHLO client.example")).startsWith("250");
            assertThat(client.command("MAIL FROM:<a@example.org> BODY=8BITMIME SIZE=100")).startsWith("250");
            assertThat(client.command("RCPT TO:<b@example.org>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send(MESSAGE);
            assertThat(client.readReply()).isEqualTo("250 OK");
            for (String data : List.of("Subject: no body\r\n.\r\n", "Subject: it's\r\n\r\n\"it's\"\r\n.\r\n")) {
                assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
                assertThat(client.command("RCPT TO:<b@example.org>")).startsWith("250");
                assertThat(client.command("DATA")).startsWith("354");
                client.send(data);
                assertThat(client.readReply()).isEqualTo("250 OK");
            }
            client.command("QUIT");
        }
    }

    @Test
    void printsExactlyWhatSmtpdPrinted() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DebuggingMode mode = DebuggingMode.builder().output(new PrintStream(printed, true, StandardCharsets.UTF_8))
                .build();
        server = smtpdLike().messageProcessor(mode).build();
        server.start();

        sendSmtpdConversation(TestServers.address(server));

        assertThat(printed.toString(StandardCharsets.UTF_8).lines())
                .containsExactlyElementsOf(SMTPD_OUTPUT.lines().toList());
    }

    @Test
    void printsTextLinesWhenDecodingData() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DebuggingMode mode = DebuggingMode.builder().output(new PrintStream(printed, true, StandardCharsets.UTF_8))
                .build();
        server = smtpdLike().decodeData(true).messageProcessor(mode).build();
        server.start();

        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO client.example");
            assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<b@example.org>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send(MESSAGE);
            assertThat(client.readReply()).isEqualTo("250 OK");
        }

        assertThat(printed.toString(StandardCharsets.UTF_8).lines())
                .containsExactlyElementsOf(SMTPD_DECODED_OUTPUT.lines().toList());
    }

    @Test
    void keepsTheLastMessagesForTheEndpoint() throws Exception {
        DebuggingMode mode = DebuggingMode.builder().capacity(2).maxContentBytes(64)
                .output(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).build();
        server = TestServers.loopback().messageProcessor(mode).build();
        server.start();

        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(server.getPort()));
        Session session = Session.getInstance(properties);
        for (String subject : List.of("first", "second", "Gr\u00fc\u00dfe aus K\u00f6ln")) {
            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress("sender@example.org"));
            message.setRecipient(RecipientType.TO, new InternetAddress("rcpt@example.org"));
            message.setSubject(subject, "UTF-8");
            message.setText("x".repeat(100));
            Transport.send(message);
        }

        List<CapturedMessage> kept = mode.messages();
        assertThat(kept).extracting(CapturedMessage::subject).containsExactly("Gr\u00fc\u00dfe aus K\u00f6ln", "second");
        CapturedMessage newest = kept.get(0);
        assertThat(newest.mailFrom()).isEqualTo("sender@example.org");
        assertThat(newest.rcptTos()).containsExactly("rcpt@example.org");
        assertThat(newest.peer()).isEqualTo("127.0.0.1");
        assertThat(newest.size()).isGreaterThan(100);
        assertThat(newest.truncated()).isTrue();
        assertThat(newest.content()).hasSize(64);
        assertThat(newest.receivedAt()).isNotNull();
        assertThat(mode.message(newest.id())).contains(newest);
    }
}
