package io.github.smtpd;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A received message: smtpd's {@code process_message(peer, mailfrom, rcpttos, data, **kwargs)} arguments as
 * plain data. The content is exactly what the client sent after DATA, with dot-stuffing removed and its CRLF
 * line endings kept.
 *
 * <p>The content is readable only during {@link MessageProcessor#process(Message)}; large content lives in
 * a temporary file that is deleted afterwards.
 */
public final class Message {

    private final String id;

    private final InetSocketAddress peer;

    private final String heloName;

    private final String mailFrom;

    private final List<String> rcptTos;

    private final List<String> mailOptions;

    private final List<String> rcptOptions;

    private final MessageContent content;

    private final boolean decodeData;

    private final InetSocketAddress remoteAddress;

    private final Instant receivedAt;

    private final SmtpSession session;

    private final List<List<String>> perRecipientOptions;

    private final Reply[] recipientReplies;

    /**
     * Creates a message. The server does this; tests and custom commands may too.
     */
    public Message(String id, SmtpSession session, InetSocketAddress peer, String heloName, String mailFrom,
            List<String> rcptTos, List<String> mailOptions, List<String> rcptOptions, MessageContent content,
            boolean decodeData, InetSocketAddress remoteAddress, Instant receivedAt) {
        this(id, session, peer, heloName, mailFrom, rcptTos, mailOptions, rcptOptions, null, content, decodeData,
                remoteAddress, receivedAt);
    }

    /**
     * Creates a message with each recipient's own RCPT parameters ({@code perRecipientOptions.get(i)} belongs to
     * {@code rcptTos.get(i)}).
     */
    public Message(String id, SmtpSession session, InetSocketAddress peer, String heloName, String mailFrom,
            List<String> rcptTos, List<String> mailOptions, List<String> rcptOptions,
            List<List<String>> perRecipientOptions, MessageContent content, boolean decodeData,
            InetSocketAddress remoteAddress, Instant receivedAt) {
        this.id = Objects.requireNonNull(id, "id");
        this.session = session;
        this.peer = peer;
        this.heloName = heloName;
        this.mailFrom = mailFrom;
        this.rcptTos = List.copyOf(rcptTos);
        this.mailOptions = List.copyOf(mailOptions);
        this.rcptOptions = List.copyOf(rcptOptions);
        this.content = Objects.requireNonNull(content, "content");
        this.decodeData = decodeData;
        this.remoteAddress = remoteAddress;
        this.receivedAt = receivedAt;
        this.perRecipientOptions = perRecipientOptions != null ? List.copyOf(perRecipientOptions)
                : this.rcptTos.stream().map(rcpt -> List.<String>of()).toList();
        this.recipientReplies = new Reply[this.rcptTos.size()];
    }

    /** An id for this message, unique within the server, used in logs and replies. */
    public String id() {
        return id;
    }

    /** The session the message arrived on, or {@code null} for a message built outside a server. */
    public SmtpSession session() {
        return session;
    }

    /** The identity the client authenticated as with AUTH, or {@code null}. */
    public String authenticatedUser() {
        return session != null ? session.authenticatedUser() : null;
    }

    /** smtpd's {@code peer}: the client's address. */
    public InetSocketAddress peer() {
        return peer;
    }

    /** The HELO/EHLO name the client gave. */
    public String heloName() {
        return heloName;
    }

    /** smtpd's {@code mailfrom}: the reverse path, {@code <>} for the null sender. */
    public String mailFrom() {
        return mailFrom;
    }

    /** smtpd's {@code rcpttos}: the accepted forward paths, in order. */
    public List<String> rcptTos() {
        return rcptTos;
    }

    /** smtpd's {@code kwargs['mail_options']}: the MAIL parameters, upper-cased, e.g. {@code BODY=8BITMIME}. */
    public List<String> mailOptions() {
        return mailOptions;
    }

    /** smtpd's {@code kwargs['rcpt_options']}: the RCPT parameters, upper-cased. */
    public List<String> rcptOptions() {
        return rcptOptions;
    }

    /** The RCPT parameters of the recipient at {@code index} in {@link #rcptTos()}, e.g. {@code NOTIFY=FAILURE}. */
    public List<String> rcptOptions(int index) {
        return perRecipientOptions.get(index);
    }

    /**
     * Sets the outcome for one recipient, for a per-recipient result: LMTP sends one reply per recipient, and
     * recipients without one get the reply the processor returns. SMTP has a single reply per message, so there
     * only the returned reply counts.
     */
    public void setRecipientReply(int index, Reply reply) {
        recipientReplies[index] = Objects.requireNonNull(reply, "reply");
    }

    /** Sets the outcome for every recipient with this address; see {@link #setRecipientReply(int, Reply)}. */
    public void setRecipientReply(String address, Reply reply) {
        boolean found = false;
        for (int i = 0; i < rcptTos.size(); i++) {
            if (rcptTos.get(i).equals(address)) {
                setRecipientReply(i, reply);
                found = true;
            }
        }
        if (!found) {
            throw new IllegalArgumentException("Not a recipient of this message: " + address);
        }
    }

    /** The outcome set for the recipient at {@code index}, or {@code null} when none was set. */
    public Reply recipientReply(int index) {
        return recipientReplies[index];
    }

    /** The content size in bytes, after dot-unstuffing. */
    public long size() {
        return content.size();
    }

    /**
     * The content as bytes, byte-exact with CRLF line endings. Reads a spilled message into memory: prefer
     * {@link #openContent()} for large messages.
     */
    public byte[] content() {
        try (InputStream in = content.open()) {
            return in.readAllBytes();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not read message " + id, ex);
        }
    }

    /** Streams the content without loading it into memory. */
    public InputStream openContent() throws IOException {
        return content.open();
    }

    /**
     * The content as text, decoded as UTF-8 (smtpd's {@code decode_data=True}). Line endings stay CRLF.
     */
    public String text() {
        return new String(content(), StandardCharsets.UTF_8);
    }

    /** Whether the server was configured with decode data on (smtpd's {@code decode_data}). */
    public boolean isDecodeData() {
        return decodeData;
    }

    /** smtpd's {@code _remoteaddr}: the configured upstream address, or {@code null}. */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** When the end of data was received. */
    public Instant receivedAt() {
        return receivedAt;
    }

    @Override
    public String toString() {
        return "Message[id=" + id + ", from=" + mailFrom + ", to=" + rcptTos + ", size=" + size() + "]";
    }
}
