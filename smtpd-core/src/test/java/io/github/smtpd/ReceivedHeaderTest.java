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
    void aHeloThatIsNotADomainIsQuotedInsideTheCommentAndTheAddressTakesItsPlace() throws Exception {
        // From an outside attack run: this greeting was copied after "from" and read like the server's own clauses.
        String text = send(io.github.smtpd.SmtpServer.builder().localAddress("127.0.0.1:0").hostName("smtpd.test"),
                "EHLO x (authenticated sender: ceo@bank.example) by mx.bank.example with ESMTPSA; "
                        + "Mon, 1 Jan 2024 00:00:00 +0000",
                "c@d.example");
        assertThat(text).startsWith("Received: from [127.0.0.1] (helo=x \\(authenticated sender: ceo@bank.example\\) "
                + "by mx.bank.example with ESMTPSA; Mon, 1 Jan 2024 00:00:00 +0000)\r\n"
                + "\tby smtpd.test (smtpd for Java) with ESMTP id ");
    }

    @Test
    void aHeloCannotCloseTheCommentWithABackslash() throws Exception {
        String text = send(io.github.smtpd.SmtpServer.builder().localAddress("127.0.0.1:0").hostName("smtpd.test"),
                "HELO a\\) by evil.example", "c@d.example");
        assertThat(text).startsWith("Received: from [127.0.0.1] (helo=a\\\\\\) by evil.example)\r\n\tby smtpd.test ");
    }

    @Test
    void aBracketedHeloThatIsNoAddressLiteralIsQuotedToo() throws Exception {
        String text = send(io.github.smtpd.SmtpServer.builder().localAddress("127.0.0.1:0").hostName("smtpd.test"),
                "EHLO [1.1.1.1;by(evil.example)]", "c@d.example");
        assertThat(text).startsWith("Received: from [127.0.0.1] (helo=[1.1.1.1;by\\(evil.example\\)])\r\n");
    }

    @Test
    void anAddressLiteralHeloIsKeptAsTheDomain() throws Exception {
        String text = send(io.github.smtpd.SmtpServer.builder().localAddress("127.0.0.1:0").hostName("smtpd.test"),
                "EHLO [192.0.2.1]", "c@d.example");
        assertThat(text).startsWith("Received: from [192.0.2.1] ([127.0.0.1])\r\n");
    }

    @Test
    void namesNoRecipientWhenThereAreSeveralAndSaysSmtpAfterHelo() throws Exception {
        String text = send(io.github.smtpd.SmtpServer.builder().localAddress("127.0.0.1:0").hostName("smtpd.test"),
                "HELO client.example", "c@d.example", "e@f.example");
        String header = text.substring(0, text.indexOf("Subject:"));
        assertThat(header).contains(" with SMTP id ").doesNotContain("for <");
    }

    @Test
    void saysUtf8SmtpForATransactionWithSmtpUtf8() throws Exception {
        // RFC 6531 3.7.3: the "with" keyword tells the next hop that the message needs SMTPUTF8.
        server = TestServers.loopback().receivedHeader(true).enableSmtpUtf8(true).messageProcessor(processor).build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO client.example");
            assertThat(client.command("MAIL FROM:<j\u00fcrgen@b.example> SMTPUTF8")).startsWith("250");
            assertThat(client.command("RCPT TO:<c@d.example>")).startsWith("250");
            client.command("DATA");
            assertThat(client.command("Subject: x\r\n\r\nbody\r\n.")).endsWith("OK");
        }
        assertThat(processor.next().text()).contains(" with UTF8SMTP id ");
    }

    @Test
    void namesANonAsciiRecipientInUtf8() throws Exception {
        server = TestServers.loopback().receivedHeader(true).enableSmtpUtf8(true).messageProcessor(processor).build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("EHLO client.example");
            assertThat(client.command("MAIL FROM:<a@b.example> SMTPUTF8")).startsWith("250");
            assertThat(client.command("RCPT TO:<j\u00fcrgen@d.example>")).startsWith("250");
            client.command("DATA");
            assertThat(client.command("Subject: x\r\n\r\nbody\r\n.")).endsWith("OK");
        }
        assertThat(processor.next().text()).contains("\tfor <j\u00fcrgen@d.example>;");
    }

    @Test
    void writesAnIpv6ClientAsRfc5952Does() throws Exception {
        // The PROXY protocol stands in for an IPv6 client, so the test needs no IPv6 socket.
        server = TestServers.loopback().receivedHeader(true).proxyProtocol(java.util.List.of(Cidr.parse("127.0.0.1")))
                .messageProcessor(processor).build();
        server.start();
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.send("PROXY TCP6 2001:db8:0:0:1:0:0:1 ::1 40000 25\r\n");
            assertThat(client.readReply()).startsWith("220 ");
            client.openData("EHLO client.example", "a@b.example", "c@d.example");
            assertThat(client.command("Subject: x\r\n\r\nbody\r\n.")).endsWith("OK");
        }
        assertThat(processor.next().text()).startsWith("Received: from client.example ([IPv6:2001:db8::1:0:0:1])\r\n");
    }

    @Test
    void canBeTurnedOff() throws Exception {
        String text = send(TestServers.loopback().receivedHeader(false), "EHLO client.example", "c@d.example");
        assertThat(text).isEqualTo("Subject: x\r\n\r\nbody\r\n");
    }
}
