package io.github.smtpd.testing;

import java.time.Duration;

import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;

/**
 * How a server becomes a test server: capture and failure injection, and the STARTTLS and AUTH options. Shared by
 * {@link SmtpdExtension} and the Spring Boot support; applications use those instead.
 */
public final class TestServers {

    private TestServers() {
    }

    /** Gives {@code mail} the server it captures for, once that has started. */
    public static void attach(CapturedMail mail, SmtpServer server) {
        mail.attach(server);
    }

    /** A handler that applies {@code mail}'s failure rules and captures what {@code delegate} accepts. */
    public static SmtpHandler capturing(CapturedMail mail, SmtpHandler delegate) {
        return mail.capturing(delegate);
    }

    /**
     * Adds failure injection, and when asked STARTTLS with the test certificate and AUTH with the given
     * credentials (also without TLS, with no delay or limit on failures, as a test wants).
     */
    public static void configure(SmtpServer.Builder builder, CapturedMail mail, boolean startTls, String username,
            String password) {
        if (startTls) {
            javax.net.ssl.SSLContext context = TestCertificate.get().serverContext();
            builder.sslContext(() -> context);
        }
        if (username != null && !username.isEmpty()) {
            String secret = password != null ? password : "";
            builder.authenticator((session, name, given) -> username.equals(name) && secret.equals(given) ? name : null)
                .allowPlaintextAuth(true)
                .authFailureDelay(Duration.ZERO)
                .authFailureLimit(0, Duration.ofMinutes(1));
        }
        mail.injectFailures(builder);
    }
}
