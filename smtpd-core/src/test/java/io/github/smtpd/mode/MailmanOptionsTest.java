package io.github.smtpd.mode;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which recipients are Mailman's: plain logic, no server needed. */
class MailmanOptionsTest {

    @Test
    void aWholeListDomainBelongsToMailmanWhenNoListNamesAreGiven() {
        MailmanOptions options = MailmanOptions.builder().listDomains("Lists.Example.org").build();
        assertThat(options.isListAddress("anything@lists.example.org")).isTrue();
        assertThat(options.isListAddress("Announce@LISTS.example.ORG.")).isTrue();
        assertThat(options.isListAddress("anything@example.org")).isFalse();
        assertThat(options.isListAddress("anything@sub.lists.example.org")).isFalse();
        assertThat(options.isListAddress("postmaster")).isFalse();
        assertThat(options.lmtp().addresses()).hasToString("[127.0.0.1:8024]");
    }

    @Test
    void listNamesMatchWithEveryMailmanSuffix() {
        MailmanOptions options = MailmanOptions.builder().listDomains("lists.example.org")
                .listNames("announce", "dev").build();
        for (String suffix : MailmanOptions.SUFFIXES) {
            assertThat(options.isListAddress("announce" + suffix + "@lists.example.org")).as(suffix).isTrue();
        }
        assertThat(options.isListAddress("dev@lists.example.org")).isTrue();
        assertThat(options.isListAddress("dev-bounces+bob=example.net@lists.example.org")).isTrue();
        assertThat(options.isListAddress("dev-confirm+0123abcd@lists.example.org")).isTrue();
        assertThat(options.isListAddress("developers@lists.example.org")).isFalse();
        assertThat(options.isListAddress("dev-admin@lists.example.org")).isFalse();
        assertThat(options.isListAddress("dev@example.org")).isFalse();
    }

    @Test
    void aListDomainIsRequired() {
        assertThatThrownBy(() -> MailmanOptions.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("list domain");
    }
}
