package io.github.smtpd.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.Reply;
import io.github.smtpd.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AUTH exchange (RFC 4954) with the PLAIN (RFC 4616) or LOGIN mechanism. Failures are answered ever more
 * slowly, and count as errors towards the session's bad-command limit, so guessing passwords is slow and short.
 * <p>
 * The exchange holds no thread while it waits: a 334 challenge leaves it as the session's pending exchange, and
 * the {@link Dispatcher} hands it the client's next line instead of running that as a command. The
 * {@code SmtpAuthenticator}, which may block (a directory, a database), runs on the executor while the session
 * waits as for a deferred hook ({@link Suspension}); the growing delay after a failure is a timer, not a sleep.
 */
final class Auth {

    /** RFC 4954 4: AUTH lines may be up to 12288 octets. */
    static final int LINE_LIMIT = 12288;

    private static final Logger logger = LoggerFactory.getLogger(Auth.class);

    private static final String USERNAME = Base64.getEncoder().encodeToString("Username:".getBytes(StandardCharsets.US_ASCII));

    private static final String PASSWORD = Base64.getEncoder().encodeToString("Password:".getBytes(StandardCharsets.US_ASCII));

    private static final Reply LIMITED = Reply.of(454, "4.7.0",
            "Error: too many failed authentications from your address, try again later");

    private static final Reply TEMPORARY_FAILURE = Reply.of(454, "4.7.0", "Temporary authentication failure");

    private final Session session;

    private final ServerSettings settings;

    /** Failed attempts per client address, across sessions (Postfix's anvil). */
    private final ClientEventWindow failures;

    /** What the client's next line answers, while a challenge is out. */
    private Response next;

    /** LOGIN's user name, between its two challenges. */
    private String user;

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

    /** A step of the exchange given the client's answer to a challenge. */
    @FunctionalInterface
    private interface Response {
        void accept(String line) throws Stop;
    }

    void run(String argument) {
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
            switch (mechanism) {
                case "PLAIN" -> {
                    // RFC 4954 4: "=" is an empty initial response.
                    if (initial != null) {
                        plain(initial);
                    }
                    else {
                        ask("", this::plain);
                    }
                }
                case "LOGIN" -> {
                    if (initial != null) {
                        loginUser(initial);
                    }
                    else {
                        ask(USERNAME, this::loginUser);
                    }
                }
                default -> throw new Stop(Reply.of(504, "5.5.4", "Error: unsupported authentication mechanism"));
            }
        }
        catch (Stop stop) {
            session.reply(stop.reply);
        }
    }

    /** Whether a challenge is out and the client's next line is its answer, not a command. */
    boolean awaitsLine() {
        return next != null;
    }

    /**
     * Takes the client's answer to the challenge: a line of {@code length} bytes in {@code input}, or
     * {@link SmtpInput#TOO_LONG}.
     */
    void line(SmtpInput input, int length) {
        Response response = next;
        next = null;
        try {
            if (length == SmtpInput.TOO_LONG) {
                throw new Stop(Reply.of(500, "5.5.6", "Error: authentication exchange line too long"));
            }
            String line = new String(input.lineBytes(), 0, length, StandardCharsets.ISO_8859_1);
            if (line.equals("*")) {
                throw new Stop(Reply.of(501, "5.0.0", "Authentication cancelled"));
            }
            response.accept(line);
        }
        catch (Stop stop) {
            session.reply(stop.reply);
        }
    }

    private void plain(String response) throws Stop {
        String text = new String(decode(response), StandardCharsets.UTF_8);
        String[] fields = text.split("\0", -1);
        if (fields.length != 3 || fields[1].isEmpty()) {
            throw new Stop(Reply.of(501, "5.5.2", "Error: malformed PLAIN response"));
        }
        if (!fields[0].isEmpty() && !fields[0].equals(fields[1])) {
            // Acting as another user (authorization identity) is not supported.
            throw new Stop(Reply.of(535, "5.7.8", "Error: authentication failed"));
        }
        check(fields[1], fields[2]);
    }

    private void loginUser(String response) throws Stop {
        user = new String(decode(response), StandardCharsets.UTF_8);
        ask(PASSWORD, this::loginPassword);
    }

    private void loginPassword(String response) throws Stop {
        check(user, new String(decode(response), StandardCharsets.UTF_8));
    }

    private void ask(String challenge, Response response) {
        session.reply(Reply.of(334, challenge));
        next = response;
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
        CompletableFuture<Verdict> verdict;
        if (!session.loop.inLoop()) {
            // Inside a command of the application's, on the executor: this thread may block, and asking the
            // executor for another one could starve a bounded pool.
            verdict = CompletableFuture.completedFuture(verdict(user, password));
        }
        else {
            try {
                verdict = CompletableFuture.supplyAsync(() -> verdict(user, password), session.executor);
            }
            catch (RejectedExecutionException ex) {
                failures.forgive(session.peer().getAddress());
                logger.warn("Session {}: no thread for the authenticator ({})", session.id(), ex.toString());
                throw new Stop(TEMPORARY_FAILURE);
            }
        }
        session.suspension().await(verdict.thenCompose(this::afterDelay), (reply, failure) -> {
            if (failure != null) {
                // Not an answer of the authenticator's (an Error it threw): the attempt is not the client's fault.
                failures.forgive(session.peer().getAddress());
                logger.error("Session {}: the authenticator failed", session.id(), failure);
            }
            session.reply(reply != null ? reply : TEMPORARY_FAILURE);
        });
    }

    /** The authenticator's answer, on a thread of the executor, with the client's failure delay in it. */
    private Verdict verdict(String user, String password) {
        String identity;
        try {
            identity = settings.authenticator().authenticate(session, user, password);
        }
        catch (Exception | LinkageError ex) {
            failures.forgive(session.peer().getAddress());
            logger.warn("Session {}: the authenticator failed", session.id(), ex);
            return new Verdict(TEMPORARY_FAILURE, 0);
        }
        if (identity == null) {
            int failed = session.recordAuthFailure();
            logger.info("Session {}: AUTH failed for user '{}' from {} ({} failures)", session.id(),
                    Reply.sanitize(user), session.peer(), failed);
            return new Verdict(Reply.of(535, "5.7.8", "Error: authentication failed"),
                    settings.authFailureDelay().toMillis() * Math.min(failed, 10));
        }
        failures.forgive(session.peer().getAddress());
        session.authenticated(identity);
        return new Verdict(Reply.of(235, "2.7.0", "Authentication successful"), 0);
    }

    private record Verdict(Reply reply, long delayMillis) {
    }

    private CompletableFuture<Reply> afterDelay(Verdict verdict) {
        if (verdict.delayMillis() <= 0) {
            return CompletableFuture.completedFuture(verdict.reply());
        }
        // The JDK's shared timer thread completes it; the session resumes on its own loop (Suspension).
        return CompletableFuture.supplyAsync(verdict::reply,
                CompletableFuture.delayedExecutor(verdict.delayMillis(), TimeUnit.MILLISECONDS, Runnable::run));
    }
}
