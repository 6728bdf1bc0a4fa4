package io.github.smtpd.autoconfigure.security;

import io.github.smtpd.SmtpAuthenticator;
import io.github.smtpd.SmtpSession;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;

/**
 * Checks SMTP AUTH credentials with a Spring Security {@link AuthenticationManager}, so mail users are the
 * application's users.
 */
public class SpringSecuritySmtpAuthenticator implements SmtpAuthenticator {

    private final AuthenticationManager authenticationManager;

    public SpringSecuritySmtpAuthenticator(AuthenticationManager authenticationManager) {
        this.authenticationManager = authenticationManager;
    }

    @Override
    public String authenticate(SmtpSession session, String username, String password) {
        try {
            Authentication result = authenticationManager
                .authenticate(UsernamePasswordAuthenticationToken.unauthenticated(username, password));
            return (result != null && result.isAuthenticated()) ? result.getName() : null;
        }
        catch (AuthenticationException ex) {
            // Bad credentials, locked or disabled account: all the same "535" to the client.
            return null;
        }
    }
}
