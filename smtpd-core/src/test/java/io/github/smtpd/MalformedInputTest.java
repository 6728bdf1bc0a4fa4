package io.github.smtpd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Garbage from the client gets a clear reply, never a stack trace, and the session stays usable. */
class MalformedInputTest {

    private SmtpServer server;

    private RecordingProcessor processor;

    @BeforeEach
    void start() {
        processor = new RecordingProcessor();
        server = TestServers.loopback().enableSmtpUtf8(true).enhancedStatusCodes(false).messageProcessor(processor).build();
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ZERO);
    }

    private RawClient greeted() throws IOException {
        RawClient client = RawClient.connect(TestServers.address(server));
        client.command("EHLO c");
        return client;
    }

    @ParameterizedTest
    @ValueSource(strings = { "MAIL FROM:<a@b.example", "MAIL FROM:a@b.example>", "MAIL FROM:<<a@b.example>>",
            "MAIL FROM:<a@b.example>junk", "MAIL FROM:<a b@c.example>", "MAIL FROM:<a@>", "MAIL FROM:<@>",
            "MAIL FROM:<a..b@c.example>", "MAIL FROM:<a@b..example>", "MAIL FROM:<\"unterminated@b.example>",
            "MAIL FROM:<a@b.example> =X", "MAIL FROM:<a@b.example> SIZE=", "MAIL FROM:<a@-b.example>" })
    void garbagePathsGet501(String command) throws IOException {
        try (RawClient client = greeted()) {
            assertThat(client.command(command)).startsWith("501 Syntax: MAIL FROM: <address>");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 OK");
        }
    }

    @Test
    void nulBytesGet501AndAreNotEchoed() throws IOException {
        try (RawClient client = greeted()) {
            client.send("MAIL FROM:<a\0b@c.example>\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(client.readReply()).startsWith("501 ").doesNotContain("\0");
            client.send("VRFY <a\0b@c.example>\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(client.readReply()).isEqualTo("502 Could not VRFY <a?b@c.example>");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void invalidUtf8Gets501() throws IOException {
        try (RawClient client = greeted()) {
            byte[] command = "MAIL FROM:<a\u00ff@b.example> SMTPUTF8\r\n".getBytes(StandardCharsets.ISO_8859_1);
            client.send(command);
            assertThat(client.readReply()).startsWith("501 ");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void aUtf8AddressWithoutSmtputf8Gets553() throws IOException {
        try (RawClient client = greeted()) {
            assertThat(client.command("MAIL FROM:<j\u00f6rg@b\u00fccher.example>"))
                    .isEqualTo("553 Error: non-ASCII address requires SMTPUTF8");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 OK");
            assertThat(client.command("RCPT TO:<\u00e9l\u00e8ve@\u00e9cole.example>"))
                    .isEqualTo("553 Error: non-ASCII address requires SMTPUTF8");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void aUtf8AddressWithSmtputf8IsAccepted() throws Exception {
        try (RawClient client = greeted()) {
            assertThat(client.command("MAIL FROM:<j\u00f6rg@b\u00fccher.example> SMTPUTF8")).isEqualTo("250 OK");
            assertThat(client.command("RCPT TO:<\u00e9l\u00e8ve@\u00e9cole.example>")).isEqualTo("250 OK");
            client.command("DATA");
            assertThat(client.command("Subject: \u00e9\r\n\r\n\u00e9\r\n.")).isEqualTo("250 OK");
        }
        RecordingProcessor.Received received = processor.next();
        assertThat(received.message().mailFrom()).isEqualTo("j\u00f6rg@b\u00fccher.example");
        assertThat(received.message().rcptTos()).containsExactly("\u00e9l\u00e8ve@\u00e9cole.example");
        assertThat(received.message().mailOptions()).containsExactly("SMTPUTF8");
    }

    @Test
    void smtputf8TakesNoValue() throws IOException {
        try (RawClient client = greeted()) {
            assertThat(client.command("MAIL FROM:<a@b.example> SMTPUTF8=YES"))
                    .isEqualTo("501 Error: SMTPUTF8 takes no arguments");
        }
    }

    @Test
    void crAndLfFromTheClientNeverReachAReply() throws IOException {
        try (RawClient client = greeted()) {
            client.send("FOO\rBAR\r\n");
            String reply = client.readReply();
            assertThat(reply).isEqualTo("500 Error: command \"FOO?BAR\" not recognized");
            client.send("VRFY <x\r250 fake reply\r\n");
            assertThat(client.readReply()).isEqualTo("502 Could not VRFY <x?250 fake reply");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void aBareLfEndsACommandLine() throws IOException {
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.send("HELO c\n");
            assertThat(client.readReply()).isEqualTo("250 smtpd.test");
        }
    }

    @Test
    void aCommandLineOverTheLimitGets500() throws IOException {
        try (RawClient client = greeted()) {
            assertThat(client.command("NOOP " + "x".repeat(600))).isEqualTo("500 Error: line too long");
            assertThat(client.command("NOOP " + "x".repeat(100_000))).isEqualTo("500 Error: line too long");
            // 512 octets is fine; MAIL gets 26 more for SIZE and 10 for SMTPUTF8 after EHLO, as in smtpd.
            assertThat(client.command("NOOP " + "x".repeat(507))).isEqualTo("250 OK");
            String local = "a".repeat(64);
            String domain = ("b".repeat(50) + ".").repeat(3) + "example";
            String mail = "MAIL FROM:<" + local + "@" + domain + "> SIZE=100 SMTPUTF8";
            mail = mail + " ".repeat(545 - mail.length());
            assertThat(mail.length()).isBetween(513, 548);
            assertThat(client.command(mail)).isEqualTo("250 OK");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void helloNamesWithControlCharactersAreRefused() throws IOException {
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.send("EHLO a\0b\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(client.readReply()).isEqualTo("501 Syntax: EHLO hostname");
            assertThat(client.command("EHLO ok")).endsWith("250 HELP");
        }
    }

    @Test
    void binaryGarbageDoesNotBreakTheSession() throws IOException {
        try (RawClient client = greeted()) {
            byte[] garbage = new byte[300];
            for (int i = 0; i < garbage.length; i++) {
                garbage[i] = (byte) (i * 37 + 11);
                if (garbage[i] == '\n') {
                    garbage[i] = 'x';
                }
            }
            client.send(garbage);
            client.send("\r\n");
            assertThat(client.readReply()).startsWith("500 ");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }
}
