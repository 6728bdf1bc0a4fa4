package io.github.smtpd.capture;

import java.time.Instant;
import java.util.List;

/**
 * What the catcher keeps about a captured message besides its bytes: the envelope, and the header fields and
 * snippet that a list shows and a search matches.
 *
 * @param id the store's id, increasing with each message
 * @param serverId the SMTP server's id of the message (in its log line)
 * @param messageId the Message-ID header without angle brackets, or an empty string
 * @param created when the catcher received it
 * @param read whether it was marked read
 * @param from the first From mailbox, or an empty one
 * @param to the To mailboxes
 * @param cc the Cc mailboxes
 * @param bcc envelope recipients named in no To or Cc header
 * @param replyTo the Reply-To mailboxes
 * @param subject the decoded subject, or an empty string
 * @param snippet the start of the text, whitespace collapsed
 * @param size the size of the message in bytes
 * @param attachments how many attachments it has
 * @param peer the client's IP address
 * @param mailFrom the envelope's reverse path ({@code <>} for the null sender)
 * @param rcptTos the envelope's recipients
 */
public record StoredMessage(long id, String serverId, String messageId, Instant created, boolean read,
        EmailAddress from, List<EmailAddress> to, List<EmailAddress> cc, List<EmailAddress> bcc,
        List<EmailAddress> replyTo, String subject, String snippet, long size, int attachments, String peer,
        String mailFrom, List<String> rcptTos) {

    public StoredMessage {
        to = List.copyOf(to);
        cc = List.copyOf(cc);
        bcc = List.copyOf(bcc);
        replyTo = List.copyOf(replyTo);
        rcptTos = List.copyOf(rcptTos);
    }

    /** The same message, marked read or unread. */
    public StoredMessage withRead(boolean read) {
        return new StoredMessage(id, serverId, messageId, created, read, from, to, cc, bcc, replyTo, subject, snippet,
                size, attachments, peer, mailFrom, rcptTos);
    }
}
