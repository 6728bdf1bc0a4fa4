package io.github.smtpd;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One client connection, smtpd's {@code SMTPChannel}: the state it exposed, readable by commands and
 * hooks, plus the few actions a command needs.
 */
public interface SmtpSession {

    /** A short id, unique within this server, that log lines and metrics use for this session. */
    String id();

    /** The client's address, smtpd's {@code peer}. */
    InetSocketAddress peer();

    /** When the connection was accepted. */
    Instant since();

    /** The name the client gave in HELO or EHLO, smtpd's {@code seen_greeting}; {@code null} before it. */
    String heloName();

    /** Whether the client greeted with EHLO (smtpd's {@code extended_smtp}). */
    boolean isExtended();

    /** smtpd's {@code smtp_state}. */
    SessionState state();

    /** The host name this server greets with, smtpd's {@code fqdn}. */
    String fqdn();

    /** The reverse path of the current transaction, smtpd's {@code mailfrom}; {@code null} before MAIL. */
    String mailFrom();

    /** The forward paths accepted so far in this transaction, smtpd's {@code rcpttos}. */
    List<String> rcptTos();

    /** The MAIL parameters, upper-cased, e.g. {@code BODY=8BITMIME}. */
    List<String> mailOptions();

    /** The RCPT parameters of all accepted recipients, upper-cased, in order. */
    List<String> rcptOptions();

    /** Bytes read from the client so far. */
    long bytesIn();

    /** Whether the connection is encrypted. */
    boolean isSecure();

    /** The TLS protocol in use, e.g. {@code TLSv1.3}, or {@code null} on a plain connection. */
    default String tlsProtocol() {
        return null;
    }

    /** The TLS cipher suite in use, or {@code null} on a plain connection. */
    default String tlsCipher() {
        return null;
    }

    /** The identity the client authenticated as with AUTH, or {@code null}. */
    default String authenticatedUser() {
        return null;
    }

    /**
     * How the session ended, a short fixed word for logs and metrics: {@code quit}, {@code disconnected},
     * {@code timeout}, {@code too-many-errors}, {@code shutdown}, {@code rejected}, {@code tls-failed} or
     * {@code error}; {@code null} while it runs.
     */
    default String outcome() {
        return null;
    }

    /** The server this session belongs to, for its settings. */
    SmtpServer server();

    /** A place for custom commands and hooks to keep per-session data. */
    Map<String, Object> attributes();

    /** Sends a reply. */
    void reply(Reply reply);

    /** Sends a single-line reply. */
    default void reply(int code, String text) {
        reply(Reply.of(code, text));
    }

    /** Forgets MAIL FROM and the recipients, as RSET does; the greeting is kept. */
    void resetTransaction();

    /** Closes the connection after any reply already sent. */
    void close();
}
