package io.github.smtpd.testing;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import io.github.smtpd.Message;

/**
 * One message the test server received: its envelope, the bytes exactly as the client sent them (without the
 * server's own {@code Received:} header), and, when Jakarta Mail is on the class path, a parsed view: headers, the
 * decoded subject, the text and HTML bodies and the attachments.
 */
public final class CapturedMessage {

    private final String id;

    private final String sender;

    private final List<String> recipients;

    private final List<String> mailOptions;

    private final InetSocketAddress client;

    private final String helo;

    private final String tlsProtocol;

    private final String authenticatedUser;

    private final byte[] raw;

    private final Instant receivedAt;

    private volatile ParsedMessage parsed;

    CapturedMessage(Message message, byte[] raw) {
        this.id = message.id();
        this.sender = message.mailFrom();
        this.recipients = List.copyOf(message.rcptTos());
        this.mailOptions = List.copyOf(message.mailOptions());
        this.client = message.peer();
        this.helo = message.heloName();
        this.tlsProtocol = message.session() != null ? message.session().tlsProtocol() : null;
        this.authenticatedUser = message.authenticatedUser();
        this.raw = raw;
        this.receivedAt = message.receivedAt() != null ? message.receivedAt() : Instant.now();
    }

    /** The server's id of the message. */
    public String id() {
        return id;
    }

    /** The reverse path of MAIL FROM, {@code <>} for the null sender. */
    public String sender() {
        return sender;
    }

    /** The accepted forward paths of RCPT TO, in order: Bcc recipients too, which no header shows. */
    public List<String> recipients() {
        return recipients;
    }

    /** The ESMTP parameters of MAIL FROM, e.g. {@code SIZE=1234}, {@code BODY=8BITMIME}, {@code SMTPUTF8}. */
    public List<String> mailOptions() {
        return mailOptions;
    }

    /** The client's address and port. */
    public InetSocketAddress clientAddress() {
        return client;
    }

    /** The name the client gave with HELO or EHLO. */
    public String helo() {
        return helo;
    }

    /** Whether the message came over TLS (STARTTLS). */
    public boolean isTls() {
        return tlsProtocol != null;
    }

    /** The TLS protocol, e.g. {@code TLSv1.3}, or {@code null}. */
    public String tlsProtocol() {
        return tlsProtocol;
    }

    /** The identity the client authenticated as with AUTH, or {@code null}. */
    public String authenticatedUser() {
        return authenticatedUser;
    }

    /** When the server had the whole message. */
    public Instant receivedAt() {
        return receivedAt;
    }

    /** The message as the client sent it, byte for byte after dot-unstuffing; a copy. */
    public byte[] raw() {
        return raw.clone();
    }

    /** {@link #raw()} as UTF-8 text. */
    public String rawText() {
        return new String(raw, StandardCharsets.UTF_8);
    }

    /** The message parsed by Jakarta Mail (a {@code jakarta.mail.internet.MimeMessage}). */
    public jakarta.mail.internet.MimeMessage mimeMessage() {
        return parsed().mimeMessage();
    }

    /** The decoded Subject header (RFC 2047), or {@code null}. */
    public String subject() {
        return parsed().subject();
    }

    /** The first text/plain part that is not an attachment, or {@code null}. */
    public String text() {
        return parsed().text();
    }

    /** The first text/html part that is not an attachment, or {@code null}. */
    public String html() {
        return parsed().html();
    }

    /** The attachments, in order. */
    public List<Attachment> attachments() {
        return parsed().attachments();
    }

    /** Every value of a header, decoded (RFC 2047), in order. */
    public List<String> headers(String name) {
        return parsed().headers(name);
    }

    /** The first value of a header, decoded, or {@code null}. */
    public String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : values.get(0);
    }

    private ParsedMessage parsed() {
        ParsedMessage view = parsed;
        if (view == null) {
            try {
                view = ParsedMessage.parse(raw);
            }
            catch (NoClassDefFoundError ex) {
                throw new IllegalStateException("The parsed view of a captured message needs Jakarta Mail: add "
                        + "org.eclipse.angus:angus-mail to the test dependencies (raw() needs nothing)", ex);
            }
            parsed = view;
        }
        return view;
    }

    @Override
    public String toString() {
        String subject;
        try {
            subject = subject();
        }
        catch (RuntimeException | LinkageError ex) {
            subject = "?";
        }
        return "from <" + sender + "> to " + recipients + ", " + raw.length + " bytes, subject \"" + subject + "\"";
    }

    /** An attachment: its file name (decoded), its content type without parameters, and its decoded bytes. */
    public record Attachment(String name, String contentType, byte[] content) {

        /** The content as UTF-8 text. */
        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return name + " (" + contentType + ", " + content.length + " bytes)";
        }
    }
}
