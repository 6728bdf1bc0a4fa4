package io.github.smtpd.testing;

/** Entry point of the AssertJ assertions: {@code assertThat(message).hasSubject("Hi").hasRecipient("b@example.org")}. */
public final class SmtpdAssertions {

    private SmtpdAssertions() {
    }

    public static CapturedMessageAssert assertThat(CapturedMessage actual) {
        return new CapturedMessageAssert(actual);
    }
}
