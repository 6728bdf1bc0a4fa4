package io.github.smtpd;

/**
 * Decides SMTP AUTH (RFC 4954) for the PLAIN and LOGIN mechanisms.
 */
@FunctionalInterface
public interface SmtpAuthenticator {

    /**
     * Checks a user name and password.
     *
     * @param session the session asking, for its peer address and TLS state
     * @return the authenticated identity to record on the session and its messages, or {@code null} to refuse
     * @throws Exception when the check itself failed; the client gets {@code 454} and may retry later
     */
    String authenticate(SmtpSession session, String username, String password) throws Exception;
}
