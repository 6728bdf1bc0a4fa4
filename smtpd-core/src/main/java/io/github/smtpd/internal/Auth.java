package io.github.smtpd.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import io.github.smtpd.Reply;
import io.github.smtpd.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AUTH exchange (RFC 4954) with the PLAIN (RFC 4616) or LOGIN mechanism. Failures are answered ever more
 * slowly, and count as errors towards the session's bad-command limit, so guessing passwords is slow and short.
 */
final class Auth {

    /** RFC 4954 4: AUTH lines may be up to 12288 octets. */
    static final int LINE_LIMIT = 12288;

    private static final Logger logger = LoggerFactory.getLogger(Auth.class);

    private static final String USERNAME = Base64.getEncoder().encodeToString("Username:".getBytes(StandardCharsets.US_ASCII));

    private static final String PASSWORD = Base64.getEncoder().encodeToString("Password:".getBytes(StandardCharsets.US_ASCII));

    private static final Reply LIMITED = Reply.of(454, "4.7.0",
            "Error: too many failed authentications from your address, try again later");

    private final Session session;

    private final ServerSettings settings;

    /** Failed attempts per client address, across sessions (Postfix's anvil). */
    private final ClientEventWindow failures;

    Auth(Session session, ServerSettings settings, ClientEventWindow failures) {
        this.session = session;
        this.settings = settings;
        this.failures = failures;
    }

    /** Thrown inside the exchange to end it with a reply. */
    private static final class Stop extends Exception {
        private final Reply reply;

        Stop(Reply reply) {
            super(null, null, false, false);
            this.reply = reply;
        }
    }

    void run(String argument) throws IOException {
        if (settings.authenticator() == null) {
            session.reply(Reply.of(502, "5.5.1", "Error: authentication not enabled"));
            return;
        }
        if (session.heloName() == null || !session.isExtended()) {
            session.reply(Reply.of(503, "5.5.1", "Error: send EHLO first"));
            return;
        }
        if (!session.isSecure() && !settings.allowPlaintextAuth()) {
            session.reply(Reply.of(538, "5.7.11", "Encryption required for requested authentication mechanism"));
            return;
        }
        if (failures.isLimited(session.peer().getAddress())) {
            // Checked before any credentials: a client reconnecting for every guess gets no more answers.
            session.reply(LIMITED);
            session.listener.authRateLimited(session);
            return;
        }
        if (session.authenticatedUser() != null) {
            session.reply(Reply.of(503, "5.5.1", "Error: already authenticated"));
            return;
        }
        if (session.inTransaction()) {
            session.reply(Reply.of(503, "5.5.1", "Error: MAIL transaction in progress"));
            return;
        }
        if (argument == null) {
            session.reply(BuiltinCommands.syntaxError("AUTH"));
            return;
        }
        String[] parts = argument.split(" +");
        String mechanism = Ascii.upper(parts[0]);
        String initial = parts.length > 1 ? parts[1] : null;
        if (parts.length > 2) {
            session.reply(BuiltinCommands.syntaxError("AUTH"));
            return;
        }
        try {
            String[] credentials = switch (mechanism) {
                case "PLAIN" -> plain(initial);
                case "LOGIN" -> login(initial);
                default -> throw new Stop(Reply.of(504, "5.5.4", "Error: unsupported authentication mechanism"));
            };
            check(credentials[0], credentials[1]);
        }
        catch (Stop stop) {
            session.reply(stop.reply);
        }
    }

    private String[] plain(String initial) throws IOException, Stop {
        // RFC 4954 4: "=" is an empty initial response.
        String response = initial != null ? initial : ask("");
        byte[] decoded = decode(response);
        String text = new String(decoded, StandardCharsets.UTF_8);
        String[] fields = text.split("\0", -1);
        if (fields.length != 3 || fields[1].isEmpty()) {
            throw new Stop(Reply.of(501, "5.5.2", "Error: malformed PLAIN response"));
        }
        if (!fields[0].isEmpty() && !fields[0].equals(fields[1])) {
            // Acting as another user (authorization identity) is not supported.
            throw new Stop(Reply.of(535, "5.7.8", "Error: authentication failed"));
        }
        return new String[] { fields[1], fields[2] };
    }

    private String[] login(String initial) throws IOException, Stop {
        String user = new String(decode(initial != null ? initial : ask(USERNAME)), StandardCharsets.UTF_8);
        String password = new String(decode(ask(PASSWORD)), StandardCharsets.UTF_8);
        return new String[] { user, password };
    }

    private String ask(String challenge) throws IOException, Stop {
        session.reply(Reply.of(334, challenge));
        String line = readLine();
        if (line == null) {
            throw new Stop(Reply.of(500, "5.5.6", "Error: authentication exchange line too long"));
        }
        if (line.equals("*")) {
            throw new Stop(Reply.of(501, "5.0.0", "Authentication cancelled"));
        }
        return line;
    }

    /** Reads one line of the exchange; {@code null} when it is too long. */
    private String readLine() throws IOException {
        SmtpInput input = session.input();
        int length = input.readLine(LINE_LIMIT);
        input.endRecord();
        if (length == SmtpInput.EOF) {
            throw new java.io.EOFException("Connection closed during AUTH");
        }
        if (length == SmtpInput.TOO_LONG) {
            return null;
        }
        return new String(input.lineBytes(), 0, length, StandardCharsets.ISO_8859_1);
    }

    private static byte[] decode(String base64) throws Stop {
        if (base64.equals("=")) {
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(base64);
        }
        catch (IllegalArgumentException ex) {
            throw new Stop(Reply.of(501, "5.5.2", "Error: invalid base64 data"));
        }
    }

    private void check(String user, String password) throws Stop {
        // Counted as a failure before it is checked, atomically, so that guesses sent in parallel over many
        // connections cannot all pass the limit at once; forgiven when it succeeds.
        if (!failures.tryRecord(session.peer().getAddress())) {
            session.listener.authRateLimited(session);
            throw new Stop(LIMITED);
        }
        String identity;
        try {
            identity = settings.authenticator().authenticate(session, user, password);
        }
        catch (Exception ex) {
            failures.forgive(session.peer().getAddress());
            logger.warn("Session {}: the authenticator failed", session.id(), ex);
            throw new Stop(Reply.of(454, "4.7.0", "Temporary authentication failure"));
        }
        if (identity == null) {
            int failures = session.recordAuthFailure();
            logger.info("Session {}: AUTH failed for user '{}' from {} ({} failures)", session.id(),
                    Reply.sanitize(user), session.peer(), failures);
            pause(failures);
            throw new Stop(Reply.of(535, "5.7.8", "Error: authentication failed"));
        }
        failures.forgive(session.peer().getAddress());
        session.authenticated(identity);
        session.reply(Reply.of(235, "2.7.0", "Authentication successful"));
    }

    private void pause(int failures) {
        long millis = settings.authFailureDelay().toMillis() * Math.min(failures, 10);
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
