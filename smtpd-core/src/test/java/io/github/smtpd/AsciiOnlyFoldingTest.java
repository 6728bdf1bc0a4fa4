package io.github.smtpd;

import java.io.IOException;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Verbs and ESMTP keywords are matched as ASCII only: Java's Unicode case folding turns dotless i (U+0131) into
 * {@code I} and long s (U+017F) into {@code S}, so {@code maıl} ran MAIL and {@code ſıze=} was read as SIZE, and a
 * filter in front of the server that compares bytes would have seen something else (an outside attack run).
 */
class AsciiOnlyFoldingTest extends ServerTestSupport {

    @BeforeEach
    void start() {
        // SMTPUTF8 on: the line is then read as UTF-8, so the client's non-ASCII letters reach the parser whole.
        launch(TestServers.loopback().enableSmtpUtf8(true).enhancedStatusCodes(false).dataSizeLimit(1000)
            .messageProcessor(new RecordingProcessor()));
    }

    private RawClient greeted() throws IOException {
        RawClient client = connect();
        client.command("EHLO c");
        return client;
    }

    @ParameterizedTest
    @ValueSource(strings = { "ma\u0131l FROM:<a@example.org>", "r\u017fet", "\u0131nfo", "no\u017fp", "he\u0131o c" })
    void aVerbWithANonAsciiLetterIsNotRecognized(String line) throws IOException {
        try (RawClient client = greeted()) {
            assertThat(client.command(line)).startsWith("500 Error: command \"").endsWith("\" not recognized");
            // Nothing ran: no transaction was opened by the look-alike MAIL.
            assertThat(client.command("RCPT TO:<b@example.org>")).startsWith("503 ");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "\u017f\u0131ze=99999999999", "BODY=B\u0131NARYM\u0131ME", "\u017fIZE=5" })
    void aMailParameterWithANonAsciiLetterIsASyntaxError(String parameter) throws IOException {
        try (RawClient client = greeted()) {
            assertThat(client.command("MAIL FROM:<a@example.org> " + parameter)).startsWith("501 ");
            assertThat(client.command("MAIL FROM:<a@example.org>")).isEqualTo("250 OK");
        }
    }

    @Test
    void aDsnValueWithANonAsciiLetterIsASyntaxError() throws IOException {
        try (RawClient client = greeted()) {
            assertThat(client.command("MAIL FROM:<a@example.org>")).isEqualTo("250 OK");
            assertThat(client.command("RCPT TO:<b@example.org> NOTIFY=\u017fUCCE\u017f\u017f")).startsWith("501 ");
            assertThat(client.command("RCPT TO:<b@example.org> NOTIFY=success")).isEqualTo("250 OK");
        }
    }

    @Test
    void asciiLowerCaseStillMatches() throws IOException {
        try (RawClient client = greeted()) {
            assertThat(client.command("mail from:<a@example.org> size=100 body=8bitmime")).isEqualTo("250 OK");
            assertThat(client.command("rcpt to:<b@example.org>")).isEqualTo("250 OK");
            assertThat(client.command("rset")).isEqualTo("250 OK");
        }
    }
}
