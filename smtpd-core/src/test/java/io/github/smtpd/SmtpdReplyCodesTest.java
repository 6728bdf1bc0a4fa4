package io.github.smtpd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * smtpd's reply codes and wording for command sequences, over a real socket: each row is a conversation of
 * commands and the reply expected to each, and the session must survive it (a NOOP at the end still works).
 */
class SmtpdReplyCodesTest {

    private static SmtpServer server;

    @BeforeAll
    static void start() {
        // smtpd had no enhanced status codes; the ESMTP tests cover them.
        server = TestServers.loopback().enhancedStatusCodes(false).messageProcessor(new RecordingProcessor()).build();
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(java.time.Duration.ZERO);
    }

    static Stream<Arguments> conversations() {
        return Stream.of(
                row("HELO needs a name", "HELO", "501 Syntax: HELO hostname"),
                row("HELO answers with the host name", "HELO client", "250 smtpd.test"),
                row("EHLO needs a name", "EHLO", "501 Syntax: EHLO hostname"),
                row("EHLO lists the extensions", "EHLO client",
                        "250-smtpd.test\n250-PIPELINING\n250-SIZE 33554432\n250-8BITMIME\n250-BINARYMIME\n250-CHUNKING\n250-DSN\n250 HELP"),
                row("a second EHLO is answered, not refused", "EHLO one", "*250 HELP", "EHLO two", "*250 HELP"),
                row("a second EHLO resets the transaction", "EHLO one", "*250 HELP", "MAIL FROM:<a@b.example>",
                        "250 OK", "EHLO two", "*250 HELP", "RCPT TO:<c@d.example>", "503 Error: need MAIL command"),
                row("HELO after EHLO is answered", "EHLO one", "*250 HELP", "HELO two", "250 smtpd.test"),
                row("NOOP", "NOOP", "250 OK"),
                row("NOOP with an argument", "NOOP hello there", "250 OK"),
                row("unknown command", "FOO bar", "500 Error: command \"FOO\" not recognized"),
                row("empty line", "", "500 Error: bad syntax"),
                row("MAIL before HELO", "MAIL FROM:<a@b.example>", "503 Error: send HELO first"),
                row("RCPT before HELO", "RCPT TO:<a@b.example>", "503 Error: send HELO first"),
                row("DATA before HELO", "DATA", "503 Error: send HELO first"),
                row("MAIL without argument", "HELO c", "250 smtpd.test", "MAIL",
                        "501 Syntax: MAIL FROM: <address>"),
                row("MAIL syntax after EHLO mentions parameters", "EHLO c", "*250 HELP", "MAIL FROM:",
                        "501 Syntax: MAIL FROM: <address> [SP <mail-parameters>]"),
                row("MAIL with the wrong keyword", "HELO c", "250 smtpd.test", "MAIL TO:<a@b.example>",
                        "501 Syntax: MAIL FROM: <address>"),
                row("MAIL with a space after the colon", "HELO c", "250 smtpd.test", "MAIL FROM: <a@b.example>",
                        "250 OK"),
                row("MAIL with the null sender", "HELO c", "250 smtpd.test", "MAIL FROM:<>", "250 OK"),
                row("MAIL with a bare address", "HELO c", "250 smtpd.test", "MAIL FROM:a@b.example", "250 OK"),
                row("MAIL twice", "HELO c", "250 smtpd.test", "MAIL FROM:<a@b.example>", "250 OK",
                        "MAIL FROM:<a@b.example>", "503 Error: nested MAIL command"),
                row("MAIL parameters after HELO", "HELO c", "250 smtpd.test", "MAIL FROM:<a@b.example> SIZE=10",
                        "501 Syntax: MAIL FROM: <address>"),
                row("MAIL with SIZE", "EHLO c", "*250 HELP", "MAIL FROM:<a@b.example> SIZE=1000", "250 OK"),
                row("MAIL with SIZE above the limit", "EHLO c", "*250 HELP",
                        "MAIL FROM:<a@b.example> SIZE=33554433",
                        "552 Error: message size exceeds fixed maximum message size"),
                row("MAIL with a bad SIZE", "EHLO c", "*250 HELP", "MAIL FROM:<a@b.example> SIZE=ten",
                        "501 Syntax: MAIL FROM: <address> [SP <mail-parameters>]"),
                row("MAIL with BODY=8BITMIME", "EHLO c", "*250 HELP", "MAIL FROM:<a@b.example> BODY=8BITMIME",
                        "250 OK"),
                row("MAIL with a bad BODY", "EHLO c", "*250 HELP", "MAIL FROM:<a@b.example> BODY=9BIT",
                        "501 Error: BODY can only be one of 7BIT, 8BITMIME, BINARYMIME"),
                row("MAIL with an unknown parameter", "EHLO c", "*250 HELP", "MAIL FROM:<a@b.example> FOO=BAR",
                        "555 MAIL FROM parameters not recognized or not implemented"),
                row("MAIL with SMTPUTF8 when it is off", "EHLO c", "*250 HELP", "MAIL FROM:<a@b.example> SMTPUTF8",
                        "555 MAIL FROM parameters not recognized or not implemented"),
                row("RCPT before MAIL", "HELO c", "250 smtpd.test", "RCPT TO:<a@b.example>",
                        "503 Error: need MAIL command"),
                row("RCPT without argument", "HELO c", "250 smtpd.test", "MAIL FROM:<a@b.example>", "250 OK", "RCPT",
                        "501 Syntax: RCPT TO: <address>"),
                row("RCPT with the wrong keyword", "HELO c", "250 smtpd.test", "MAIL FROM:<a@b.example>", "250 OK",
                        "RCPT FROM:<a@b.example>", "501 Syntax: RCPT TO: <address>"),
                row("RCPT with an empty path", "HELO c", "250 smtpd.test", "MAIL FROM:<a@b.example>", "250 OK",
                        "RCPT TO:<>", "501 Syntax: RCPT TO: <address>"),
                row("RCPT with a parameter", "EHLO c", "*250 HELP", "MAIL FROM:<a@b.example>", "250 OK",
                        "RCPT TO:<c@d.example> FOO=BAR", "555 RCPT TO parameters not recognized or not implemented"),
                row("RCPT accepted", "HELO c", "250 smtpd.test", "MAIL FROM:<a@b.example>", "250 OK",
                        "RCPT TO:<c@d.example>", "250 OK"),
                row("DATA before RCPT", "HELO c", "250 smtpd.test", "MAIL FROM:<a@b.example>", "250 OK", "DATA",
                        "503 Error: need RCPT command"),
                row("DATA with an argument", "HELO c", "250 smtpd.test", "MAIL FROM:<a@b.example>", "250 OK",
                        "RCPT TO:<c@d.example>", "250 OK", "DATA foo", "501 Syntax: DATA"),
                row("RSET", "HELO c", "250 smtpd.test", "MAIL FROM:<a@b.example>", "250 OK", "RSET", "250 OK",
                        "RCPT TO:<c@d.example>", "503 Error: need MAIL command"),
                row("RSET with an argument", "RSET now", "501 Syntax: RSET"),
                // smtpd's list, then what this server adds (HelpTest).
                row("HELP", "HELP",
                        "250 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY BDAT EXPN HELP"),
                row("HELP MAIL", "HELP MAIL", "250 Syntax: MAIL FROM: <address>"),
                row("HELP MAIL after EHLO", "EHLO c", "*250 HELP", "HELP MAIL",
                        "250 Syntax: MAIL FROM: <address> [SP <mail-parameters>]"),
                row("HELP of something unknown", "HELP FOO",
                        "501 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY BDAT EXPN HELP"),
                row("VRFY an address", "VRFY <a@b.example>",
                        "252 Cannot VRFY user, but will accept message and attempt delivery"),
                row("VRFY without argument", "VRFY", "501 Syntax: VRFY <address>"),
                row("VRFY garbage", "VRFY <a@", "502 Could not VRFY <a@"),
                row("EXPN", "EXPN list", "502 EXPN not implemented"),
                row("commands are case-insensitive", "helo c", "250 smtpd.test", "mail from:<a@b.example>", "250 OK"));
    }

    private static Arguments row(String name, String... conversation) {
        return Arguments.of(name, List.of(conversation));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conversations")
    void repliesAsSmtpdDoes(String name, List<String> conversation) throws IOException {
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            List<String> actual = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < conversation.size(); i += 2) {
                String reply = client.command(conversation.get(i));
                String want = conversation.get(i + 1);
                if (want.startsWith("*")) {
                    // Only the last line matters for this row.
                    want = want.substring(1);
                    reply = reply.substring(reply.lastIndexOf('\n') + 1);
                }
                actual.add(conversation.get(i) + " -> " + reply);
                expected.add(conversation.get(i) + " -> " + want);
            }
            assertThat(actual).containsExactlyElementsOf(expected);
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }
}
