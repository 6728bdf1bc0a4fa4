package io.github.smtpd.relay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

import io.github.smtpd.Reply;

/**
 * The AUTH exchange (RFC 4954) with a user name and password: PLAIN (RFC 4616) when offered, else LOGIN.
 * Both send the password merely encoded, which is why the client only uses them over TLS or on loopback.
 */
final class SaslLogin {

    /** Sends one line and reads the reply. */
    interface Exchange {
        Reply command(String line) throws IOException;
    }

    private SaslLogin() {
    }

    /**
     * @param mechanisms the parameters of the upstream's AUTH extension, e.g. {@code PLAIN LOGIN}
     * @return the upstream's last reply, 235 on success; {@code null} when it offers neither mechanism
     */
    static Reply authenticate(Exchange exchange, String mechanisms, String username, String password)
            throws IOException {
        Set<String> offered = Set.of(mechanisms.toUpperCase(Locale.ROOT).split("[ =]+"));
        if (offered.contains("PLAIN")) {
            String token = base64("\0" + username + "\0" + password);
            Reply reply = exchange.command("AUTH PLAIN " + token);
            // A server that does not take an initial response asks for it with an empty challenge.
            return reply.code() == 334 ? exchange.command(token) : reply;
        }
        if (offered.contains("LOGIN")) {
            Reply reply = exchange.command("AUTH LOGIN");
            if (reply.code() == 334) {
                reply = exchange.command(base64(username));
            }
            if (reply.code() == 334) {
                reply = exchange.command(base64(password));
            }
            return reply;
        }
        return null;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
