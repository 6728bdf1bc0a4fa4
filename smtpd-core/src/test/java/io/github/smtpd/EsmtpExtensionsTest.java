package io.github.smtpd;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** PIPELINING, ENHANCEDSTATUSCODES, CHUNKING/BINARYMIME and DSN over real sockets. */
class EsmtpExtensionsTest extends ServerTestSupport {

    private final RecordingProcessor processor = new RecordingProcessor();

    private SmtpServer start(SmtpServer.Builder builder) {
        server = builder.messageProcessor(processor).build();
        server.start();
        return server;
    }

    @Test
    void ehloAdvertisesTheExtensions() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("EHLO c").split("\n")).containsExactly("250-smtpd.test", "250-PIPELINING",
                    "250-SIZE 33554432", "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-BINARYMIME", "250-CHUNKING",
                    "250-DSN", "250 HELP");
        }
    }

    @Test
    void aWholePipelinedTransactionIsAnsweredInOneWrite() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nRCPT TO:<e@f.example>\r\n"
                    + "NOOP\r\nDATA\r\n");
            // One write of the server arrives in one read on loopback; replies sent one by one would not.
            byte[] buffer = new byte[4096];
            InputStream in = client.socket().getInputStream();
            int read = in.read(buffer);
            String replies = new String(buffer, 0, read, StandardCharsets.US_ASCII);
            assertThat(replies).endsWith("250 2.1.0 OK\r\n250 2.1.5 OK\r\n250 2.1.5 OK\r\n250 2.0.0 OK\r\n"
                    + "354 End data with <CR><LF>.<CR><LF>\r\n").startsWith("250-smtpd.test\r\n");
            client.send("Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n");
            assertThat(client.readReply()).isEqualTo("250 2.0.0 OK");
            assertThat(client.readReply()).isEqualTo("221 2.0.0 Bye");
        }
        assertThat(processor.next().message().rcptTos()).containsExactly("c@d.example", "e@f.example");
    }

    @Test
    void afterEhloEveryReplyCarriesAnEnhancedCode() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
            assertThat(client.command("RCPT TO:<c@d.example>")).isEqualTo("503 5.5.1 Error: need MAIL command");
            assertThat(client.command("MAIL FROM:<a@b")).startsWith("501 5.5.4 Syntax: MAIL FROM:");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 2.1.0 OK");
            assertThat(client.command("RCPT TO:<c@d.example>")).isEqualTo("250 2.1.5 OK");
            assertThat(client.command("DATA")).isEqualTo("354 End data with <CR><LF>.<CR><LF>");
            assertThat(client.command("x\r\n.")).isEqualTo("250 2.0.0 OK");
            assertThat(client.command("XFOO")).isEqualTo("500 5.5.2 Error: command \"XFOO\" not recognized");
            assertThat(client.command("VRFY <a@b.example>")).startsWith("252 2.0.0 ");
            assertThat(client.command("RSET")).isEqualTo("250 2.0.0 OK");
            assertThat(client.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
    }

    @Test
    void aProcessorReplyWithoutACodeGetsTheGenericOne() throws Exception {
        processor.replyWith(Reply.of(550, "No such user here"));
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.openData("EHLO c", "a@b.example", "c@d.example");
            assertThat(client.command("x\r\n.")).isEqualTo("550 5.0.0 No such user here");
        }
    }

    @Test
    void afterHeloNoReplyCarriesAnEnhancedCode() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("HELO c");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 OK");
            assertThat(client.command("RCPT TO:<>")).isEqualTo("501 Syntax: RCPT TO: <address>");
            assertThat(client.command("XFOO")).isEqualTo("500 Error: command \"XFOO\" not recognized");
        }
    }

    @Test
    void bdatChunksMakeOneMessageByteExact() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            client.command("MAIL FROM:<a@b.example> BODY=BINARYMIME");
            client.command("RCPT TO:<c@d.example>");
            client.send("BDAT 9\r\n.\r\nline\r\n");
            assertThat(client.readReply()).isEqualTo("250 2.0.0 9 octets received");
            byte[] binary = { 0, 1, 2, (byte) 0xff, '\r', '.', '\n' };
            client.send("BDAT 7 LAST\r\n".getBytes(StandardCharsets.US_ASCII));
            client.send(binary);
            assertThat(client.readReply()).isEqualTo("250 2.0.0 OK");
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
        byte[] expected = new byte[16];
        System.arraycopy(".\r\nline\r\n".getBytes(StandardCharsets.US_ASCII), 0, expected, 0, 9);
        System.arraycopy(new byte[] { 0, 1, 2, (byte) 0xff, '\r', '.', '\n' }, 0, expected, 9, 7);
        RecordingProcessor.Received received = processor.next();
        assertThat(received.content()).isEqualTo(expected);
        assertThat(received.message().mailOptions()).containsExactly("BODY=BINARYMIME");
    }

    /** Sends a BDAT command and its chunk exactly, with no CRLF after the chunk. */
    private static String chunk(RawClient client, String command, String payload) throws java.io.IOException {
        client.send(command + "\r\n" + payload);
        return client.readReply();
    }

    @Test
    void anEmptyLastChunkEndsTheMessage() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            client.command("MAIL FROM:<a@b.example>");
            client.command("RCPT TO:<c@d.example>");
            assertThat(chunk(client, "BDAT 3", "abc")).isEqualTo("250 2.0.0 3 octets received");
            assertThat(client.command("BDAT 0 LAST")).isEqualTo("250 2.0.0 OK");
        }
        assertThat(processor.next().text()).isEqualTo("abc");
    }

    @Test
    void dataAfterBdatIsOutOfSequence() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            client.command("MAIL FROM:<a@b.example>");
            client.command("RCPT TO:<c@d.example>");
            assertThat(chunk(client, "BDAT 3", "abc")).isEqualTo("250 2.0.0 3 octets received");
            assertThat(client.command("DATA")).isEqualTo("503 5.5.1 Error: DATA after BDAT in one transaction");
            assertThat(chunk(client, "BDAT 3 LAST", "def")).isEqualTo("250 2.0.0 OK");
        }
        assertThat(processor.next().text()).isEqualTo("abcdef");
    }

    @Test
    void binaryMimeNeedsBdat() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            client.command("MAIL FROM:<a@b.example> BODY=BINARYMIME");
            client.command("RCPT TO:<c@d.example>");
            assertThat(client.command("DATA")).isEqualTo("503 5.5.1 Error: BODY=BINARYMIME requires BDAT");
        }
    }

    @Test
    void aRefusedChunkIsStillConsumed() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            assertThat(chunk(client, "BDAT 6", "NOOP\r\n")).isEqualTo("503 5.5.1 Error: need RCPT command");
            assertThat(client.command("RSET")).isEqualTo("250 2.0.0 OK");
            assertThat(client.command("BDAT x")).isEqualTo("501 5.5.4 Syntax: BDAT chunk-size [LAST]");
        }
    }

    @Test
    void bdatKeepsTheSizeLimit() throws Exception {
        start(TestServers.loopback().dataSizeLimit(10));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            client.command("MAIL FROM:<a@b.example>");
            client.command("RCPT TO:<c@d.example>");
            assertThat(chunk(client, "BDAT 8", "12345678")).isEqualTo("250 2.0.0 8 octets received");
            assertThat(chunk(client, "BDAT 8", "12345678")).isEqualTo("552 5.3.4 Error: Too much mail data");
            assertThat(chunk(client, "BDAT 1 LAST", "9")).isEqualTo("552 5.3.4 Error: Too much mail data");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 2.1.0 OK");
        }
        assertThat(processor.all()).isEmpty();
    }

    @Test
    void dsnParametersAreValidatedAndHandedOn() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO c");
            assertThat(client.command("MAIL FROM:<a@b.example> RET=PAST")).startsWith("501 5.5.4 Error: RET");
            assertThat(client.command("MAIL FROM:<a@b.example> ENVID=a=b")).startsWith("501");
            assertThat(client.command("MAIL FROM:<a@b.example> RET=hdrs ENVID=Qq+2B314")).isEqualTo("250 2.1.0 OK");
            assertThat(client.command("RCPT TO:<c@d.example> NOTIFY=NEVER,SUCCESS")).startsWith("501 5.5.4 Error: NOTIFY");
            assertThat(client.command("RCPT TO:<c@d.example> ORCPT=nosemicolon")).startsWith("501 5.5.4 Error: ORCPT");
            assertThat(client.command("RCPT TO:<c@d.example> NOTIFY=success,failure ORCPT=rfc822;C@D.example"))
                    .isEqualTo("250 2.1.5 OK");
            assertThat(client.command("RCPT TO:<e@f.example> NOTIFY=NEVER")).isEqualTo("250 2.1.5 OK");
            client.command("DATA");
            client.command("x\r\n.");
        }
        Message message = processor.next().message();
        assertThat(message.mailOptions()).containsExactly("RET=HDRS", "ENVID=Qq+2B314");
        assertThat(message.rcptOptions(0)).containsExactly("NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;C@D.example");
        assertThat(message.rcptOptions(1)).containsExactly("NOTIFY=NEVER");
        assertThat(message.rcptOptions()).hasSize(3);
    }

    @Test
    void aRealClientSendsDsnAndUnderstandsEnhancedCodes() throws Exception {
        start(TestServers.loopback());
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(server.getPort()));
        properties.put("mail.smtp.dsn.notify", "SUCCESS,FAILURE");
        properties.put("mail.smtp.dsn.ret", "HDRS");
        jakarta.mail.Session session = jakarta.mail.Session.getInstance(properties);
        SMTPMessage mail = new SMTPMessage(session);
        mail.setFrom("alice@example.org");
        mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.net");
        mail.setText("body");
        mail.setEnvelopeFrom("alice@example.org");
        Transport.send(mail);
        Message message = processor.next().message();
        assertThat(message.mailOptions()).contains("RET=HDRS");
        assertThat(message.rcptOptions(0)).contains("NOTIFY=SUCCESS,FAILURE");
        assertThat(mail).isInstanceOf(MimeMessage.class);
    }
}
