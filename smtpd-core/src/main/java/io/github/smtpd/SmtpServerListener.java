package io.github.smtpd;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Receives the server's events, for metrics, endpoints and logs. Called on the thread that runs the session,
 * often the event loop that serves every plain-text session: keep it quick, never block, and never throw
 * (exceptions are logged and ignored).
 */
public interface SmtpServerListener {

    /** A connection was admitted and greeted. */
    default void sessionOpened(SmtpSession session) {
    }

    /** A session ended, for whatever reason. */
    default void sessionClosed(SmtpSession session) {
    }

    /** A command was answered. {@code verb} is upper-case, or {@code "UNKNOWN"} for unrecognised input. */
    default void commandCompleted(SmtpSession session, String verb, Reply reply) {
    }

    /** A message's DATA ended and was answered: accepted when the reply is positive. */
    default void messageCompleted(SmtpSession session, Message message, Reply reply, Duration processingTime) {
    }

    /**
     * A message's data was received but refused before any processor saw it: too large, a line too long, bare
     * line endings under the reject policy, or content that is not UTF-8 with decode data on.
     *
     * @param size the bytes received (counted past the limit, though not kept)
     */
    default void messageRefused(SmtpSession session, long size, Reply reply) {
    }

    /** A TLS handshake (STARTTLS or implicit TLS) ended, successfully or not. */
    default void tlsHandshake(SmtpSession session, boolean success) {
    }

    /**
     * A client that failed AUTH too often within the window ({@code SmtpServer.Builder.authFailureLimit}) asked to
     * authenticate again and was answered {@code 454} without its credentials being checked.
     */
    default void authRateLimited(SmtpSession session) {
    }

    /** A connection was refused before a session started; {@code reason} is a short fixed word. */
    default void connectionRejected(InetSocketAddress peer, String reason) {
    }
}
