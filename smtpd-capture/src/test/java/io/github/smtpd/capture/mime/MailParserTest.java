package io.github.smtpd.capture.mime;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The parser's own header reading and whitespace collapsing, against what Jakarta Mail and a regex gave. */
class MailParserTest {

    @Test
    void readsFoldedHeadersAndLineEndsOfEveryKind() {
        String raw = "From: Alice <alice@example.org>\r\n" + "To: bob@example.org,\r\n\tcarol@example.org\n"
                + "Subject: =?UTF-8?Q?=C3=9Cberweisung?=\r" + "X-Folded: one\r\n  two\r\n" + "Message-ID: <id-1@example.org>\r\n"
                + "X-Utf8: caf\u00e9\r\n" + "\r\n" + "Body line one\r\n\r\nline  two\r\n";
        ParsedMail mail = MailParser.parse(raw.getBytes(StandardCharsets.UTF_8));
        assertThat(mail.from().address()).isEqualTo("alice@example.org");
        assertThat(mail.to()).extracting((address) -> address.address())
            .containsExactly("bob@example.org", "carol@example.org");
        assertThat(mail.subject()).isEqualTo("\u00dcberweisung");
        assertThat(mail.messageId()).isEqualTo("id-1@example.org");
        assertThat(mail.headers().get("X-Folded")).containsExactly("one  two");
        assertThat(mail.headers().get("X-Utf8")).containsExactly("caf\u00e9");
        assertThat(mail.headers()).containsOnlyKeys("From", "To", "Subject", "X-Folded", "Message-ID", "X-Utf8");
        assertThat(mail.text()).isEqualTo("Body line one\r\n\r\nline  two\r\n");
    }

    @Test
    void readsAMessageWithoutABody() {
        ParsedMail mail = MailParser.parse("Subject: only headers\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(mail.subject()).isEqualTo("only headers");
        assertThat(mail.text()).isEmpty();
    }

    @Test
    void summarySnippetCollapsesWhitespace() {
        String raw = "Subject: s\r\n\r\n  first\r\n\r\n\tsecond \u000b third\f \r\n";
        MailParser.Summary summary = MailParser.summarize(raw.getBytes(StandardCharsets.US_ASCII), 1000);
        assertThat(summary.snippet()).isEqualTo("first second third");
        assertThat(summary.searchText()).endsWith("first second third");
    }

    @Test
    void collapsingMatchesTheRegexItReplaced() {
        for (String text : List.of("", " ", "a", " a ", "a  b\t\tc\r\n\r\nd", "\u00a0x\u00a0", "x\u0001 y", "\n\nend")) {
            assertThat(MailParser.collapseWhitespace(text, 1000)).as("'%s'", text)
                .isEqualTo(text.replaceAll("\\s+", " ").trim());
        }
        assertThat(MailParser.collapseWhitespace("aaaa bbbb cccc", 6)).isEqualTo("aaaa bb");
    }
}
