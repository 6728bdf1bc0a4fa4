package io.github.smtpd.internal;

import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The domain rule MAIL, RCPT and the {@code Received:} header's HELO check share (RFC 5321 4.1.2, RFC 1035 labels). */
class MailPathDomainTest {

    @Test
    void acceptsDomainsOfValidLabels() {
        assertThat(MailPath.isDomain("example.com")).isTrue();
        assertThat(MailPath.isDomain("localhost")).isTrue();
        assertThat(MailPath.isDomain("mx-1.mail_relay.example")).isTrue();
        assertThat(MailPath.isDomain("bücher.example")).isTrue();
        assertThat(MailPath.isDomain("a".repeat(63) + ".example")).isTrue();
        assertThat(MailPath.isDomain("[192.0.2.1]")).isTrue();
    }

    @Test
    void refusesEmptyOverlongAndHyphenEdgedLabels() {
        assertThat(MailPath.isDomain("")).isFalse();
        assertThat(MailPath.isDomain(".example")).isFalse();
        assertThat(MailPath.isDomain("example.")).isFalse();
        assertThat(MailPath.isDomain("mail..example")).isFalse();
        assertThat(MailPath.isDomain("-mail.example")).isFalse();
        assertThat(MailPath.isDomain("mail-.example")).isFalse();
        assertThat(MailPath.isDomain("a".repeat(64) + ".example")).isFalse();
        assertThat(MailPath.isDomain("a.".repeat(127) + "ab")).isFalse();
        assertThat(MailPath.isDomain("mail example")).isFalse();
        assertThat(MailPath.isDomain("mail@example")).isFalse();
    }

    /** The label scan that replaced splitting: the same answer as the split form for any short text of these characters. */
    @Test
    void agreesWithSplittingIntoLabelsOnRandomText() {
        Random random = new Random(5321);
        char[] alphabet = { 'a', 'Z', '0', '-', '_', '.', '.', ' ', 'é', '[', ']', '@' };
        for (int run = 0; run < 200_000; run++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(12);
            for (int i = 0; i < length; i++) {
                text.append(alphabet[random.nextInt(alphabet.length)]);
            }
            if (random.nextInt(50) == 0) {
                text.append("x".repeat(60 + random.nextInt(8)));
            }
            String domain = text.toString();
            assertThat(MailPath.isDomain(domain)).as(domain).isEqualTo(bySplitting(domain));
        }
    }

    private static boolean bySplitting(String domain) {
        if (domain.isEmpty() || domain.length() > 255) {
            return false;
        }
        if (domain.charAt(0) == '[') {
            return MailPath.isDomain(domain);
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (char c : label.toCharArray()) {
                if (!(Character.isLetterOrDigit(c) && c < 0x80 || c == '-' || c == '_' || c > 0x7f)) {
                    return false;
                }
            }
        }
        return true;
    }
}
