package io.github.smtpd.capture.mime;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.github.smtpd.capture.EmailAddress;

/**
 * A message parsed for display: its header fields, text and HTML bodies, and parts.
 *
 * @param date the Date header, or {@code null} when missing or unreadable
 * @param text the first text/plain body that is not an attachment, or an empty string
 * @param html the first text/html body that is not an attachment, or an empty string
 * @param headers every header field, decoded, in order, by name
 */
public record ParsedMail(String messageId, EmailAddress from, List<EmailAddress> to, List<EmailAddress> cc,
        List<EmailAddress> replyTo, String returnPath, String subject, Instant date, String text, String html,
        List<MailPart> attachments, List<MailPart> inline, Map<String, List<String>> headers,
        List<String> listUnsubscribe) {
}
