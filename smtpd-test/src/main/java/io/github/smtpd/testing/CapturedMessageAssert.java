package io.github.smtpd.testing;

import java.util.Objects;

import org.assertj.core.api.AbstractAssert;

/** AssertJ assertions on a {@link CapturedMessage}; start with {@link SmtpdAssertions#assertThat(CapturedMessage)}. */
public class CapturedMessageAssert extends AbstractAssert<CapturedMessageAssert, CapturedMessage> {

    CapturedMessageAssert(CapturedMessage actual) {
        super(actual, CapturedMessageAssert.class);
    }

    /** The decoded subject is exactly this. */
    public CapturedMessageAssert hasSubject(String subject) {
        isNotNull();
        if (!Objects.equals(actual.subject(), subject)) {
            failWithMessage("Expected the subject%n  <%s>%nbut it was%n  <%s>%nin %s", subject, actual.subject(), actual);
        }
        return this;
    }

    /** MAIL FROM named this sender. */
    public CapturedMessageAssert hasSender(String sender) {
        isNotNull();
        if (!sender.equalsIgnoreCase(actual.sender())) {
            failWithMessage("Expected the sender <%s> but it was <%s>", sender, actual.sender());
        }
        return this;
    }

    /** RCPT TO named this recipient (To, Cc or Bcc alike). */
    public CapturedMessageAssert hasRecipient(String recipient) {
        isNotNull();
        if (actual.recipients().stream().noneMatch(recipient::equalsIgnoreCase)) {
            failWithMessage("Expected the recipient <%s> among %s", recipient, actual.recipients());
        }
        return this;
    }

    /** The header has this value (its first one, decoded). */
    public CapturedMessageAssert hasHeader(String name, String value) {
        isNotNull();
        if (!actual.headers(name).contains(value)) {
            failWithMessage("Expected the header %s: <%s> but it had %s", name, value, actual.headers(name));
        }
        return this;
    }

    /** The text/plain body contains this. */
    public CapturedMessageAssert hasTextContaining(String text) {
        isNotNull();
        if (actual.text() == null || !actual.text().contains(text)) {
            failWithMessage("Expected the text body to contain%n  <%s>%nbut it was%n  <%s>", text, actual.text());
        }
        return this;
    }

    /** The text/html body contains this. */
    public CapturedMessageAssert hasHtmlContaining(String html) {
        isNotNull();
        if (actual.html() == null || !actual.html().contains(html)) {
            failWithMessage("Expected the HTML body to contain%n  <%s>%nbut it was%n  <%s>", html, actual.html());
        }
        return this;
    }

    /** An attachment has this file name. */
    public CapturedMessageAssert hasAttachment(String name) {
        isNotNull();
        if (actual.attachments().stream().noneMatch((attachment) -> name.equals(attachment.name()))) {
            failWithMessage("Expected an attachment named <%s> among %s", name, actual.attachments());
        }
        return this;
    }

    /** An attachment has this file name, content type and content. */
    public CapturedMessageAssert hasAttachment(String name, String contentType, byte[] content) {
        hasAttachment(name);
        CapturedMessage.Attachment attachment = actual.attachments().stream()
            .filter((candidate) -> name.equals(candidate.name()))
            .findFirst()
            .orElseThrow();
        if (!contentType.equalsIgnoreCase(attachment.contentType())
                || !java.util.Arrays.equals(content, attachment.content())) {
            failWithMessage("Expected the attachment %s to be %s of %d bytes, but it was %s", name, contentType,
                    content.length, attachment);
        }
        return this;
    }

    /** It came over TLS. */
    public CapturedMessageAssert wasSentOverTls() {
        isNotNull();
        if (!actual.isTls()) {
            failWithMessage("Expected the message to have come over TLS, but it came in the clear: %s", actual);
        }
        return this;
    }

    /** The client authenticated as this identity. */
    public CapturedMessageAssert wasAuthenticatedAs(String identity) {
        isNotNull();
        if (!Objects.equals(identity, actual.authenticatedUser())) {
            failWithMessage("Expected the client to have authenticated as <%s>, but it was <%s>", identity,
                    actual.authenticatedUser());
        }
        return this;
    }
}
