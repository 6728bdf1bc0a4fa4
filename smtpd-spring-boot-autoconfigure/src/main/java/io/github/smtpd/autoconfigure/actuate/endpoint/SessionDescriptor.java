package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.util.Locale;

import io.github.smtpd.SmtpSession;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * One connected session as the {@code smtpd} endpoint shows it.
 *
 * @param id the session id, the one in the {@code smtpd.session} MDC key of its log lines
 * @param peer the client's address, {@code host:port}
 * @param state {@code command} or {@code data} (receiving a message)
 * @param since when the connection was accepted, ISO-8601
 * @param heloName the name given in HELO, EHLO or LHLO, or {@code null} before it
 * @param tls whether the connection is encrypted
 * @param tlsProtocol the TLS protocol, e.g. {@code TLSv1.3}, or {@code null}
 * @param authenticatedUser the identity the client authenticated as, or {@code null}
 * @param bytesIn the bytes read from the client so far
 */
public record SessionDescriptor(String id, String peer, String state, String since, String heloName, boolean tls,
        String tlsProtocol, String authenticatedUser, long bytesIn) implements OperationResponseBody {

    static SessionDescriptor of(SmtpSession session) {
        return new SessionDescriptor(session.id(), SocketAddresses.format(session.peer()),
                session.state().name().toLowerCase(Locale.ROOT), session.since().toString(), session.heloName(),
                session.isSecure(), session.tlsProtocol(), session.authenticatedUser(), session.bytesIn());
    }
}
