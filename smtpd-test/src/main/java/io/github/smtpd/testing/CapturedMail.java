package io.github.smtpd.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpCommands;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpSession;

/**
 * The mail a test server received, and its failure controls: what {@link SmtpdExtension} and
 * {@code @AutoConfigureSmtpd} give a test. Each test server has its own: test classes with their own
 * {@link SmtpdExtension} never see each other's mail, even in parallel. Spring test classes that share a cached
 * context share its server too (and each clears it before its methods), so they should not run in parallel.
 */
public final class CapturedMail {

    /** How long {@link #awaitMessage()} waits. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private final Mailbox mailbox = new Mailbox();

    private final Failures failures;

    private volatile SmtpServer server;

    public CapturedMail() {
        this.failures = new Failures(() -> requireServer().pause(), () -> requireServer().resume());
    }

    /** The messages received so far, in order. */
    public List<CapturedMessage> messages() {
        return mailbox.messages();
    }

    /**
     * Waits until at least {@code count} messages have arrived (counting those already here), and returns them all.
     *
     * @throws AssertionError after {@code timeout}, saying how many arrived and what they were
     */
    public List<CapturedMessage> awaitMessages(int count, Duration timeout) {
        try {
            return mailbox.await(count, timeout);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for " + count + " messages", ex);
        }
    }

    /** Waits up to {@link #DEFAULT_WAIT} for the first message and returns it. */
    public CapturedMessage awaitMessage() {
        return awaitMessages(1, DEFAULT_WAIT).get(0);
    }

    /** Forgets the messages and the failure rules: the state of a new test. */
    public void clear() {
        mailbox.clear();
        failures.reset();
    }

    /** What the server should do wrong; {@link #clear()} undoes it. */
    public Failures failures() {
        return failures;
    }

    /** The port the server listens on, on 127.0.0.1. */
    public int port() {
        return requireServer().getPort();
    }

    /** The address clients connect to. */
    public String host() {
        return "127.0.0.1";
    }

    /** The running server. */
    public SmtpServer server() {
        return requireServer();
    }

    void attach(SmtpServer server) {
        this.server = server;
    }

    private SmtpServer requireServer() {
        SmtpServer current = server;
        if (current == null) {
            throw new IllegalStateException("The test SMTP server has not started yet");
        }
        return current;
    }

    /**
     * The handler that applies the failure rules and captures each accepted message, around {@code delegate} (the
     * application's own handler in a Spring test; {@code null} to accept everything).
     */
    SmtpHandler capturing(SmtpHandler delegate) {
        return new Capturing(delegate);
    }

    /** Replaces each built-in command with one that may be delayed, dropped or refused first. */
    void injectFailures(SmtpServer.Builder builder) {
        for (String verb : SmtpCommands.verbs()) {
            io.github.smtpd.SmtpCommand builtin = SmtpCommands.builtin(verb);
            builder.command(verb, (session, argument) -> {
                Duration delay = failures.delay();
                if (!delay.isZero()) {
                    sleep(delay);
                }
                if (failures.dropsAt(verb.toUpperCase(Locale.ROOT))) {
                    // No reply: the connection just ends, as when a server crashes mid-session.
                    session.close();
                    return;
                }
                if (verb.equalsIgnoreCase("DATA") && session.mailFrom() != null && !session.rcptTos().isEmpty()) {
                    Reply refusal = failures.forDataCommand();
                    if (refusal != null) {
                        session.reply(refusal);
                        return;
                    }
                }
                builtin.execute(session, argument);
            });
        }
    }

    private static void sleep(Duration delay) throws IOException {
        try {
            Thread.sleep(delay.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while delaying a reply");
        }
    }

    /** The message as the client sent it: without the server's own Received header, when it adds one. */
    private static byte[] asSent(Message message) {
        byte[] content = message.content();
        SmtpServer server = message.session() != null ? message.session().server() : null;
        if (server == null || !server.settings().receivedHeader() || !startsWith(content, "Received: ")) {
            return content;
        }
        // The trace header is the first field: its line and the folded lines that continue it.
        int end = 0;
        do {
            while (end < content.length && content[end] != '\n') {
                end++;
            }
            end++;
        }
        while (end < content.length && (content[end] == ' ' || content[end] == '\t'));
        return java.util.Arrays.copyOfRange(content, Math.min(end, content.length), content.length);
    }

    private static boolean startsWith(byte[] content, String prefix) {
        if (content.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (content[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private final class Capturing implements SmtpHandler {

        private final SmtpHandler delegate;

        Capturing(SmtpHandler delegate) {
            this.delegate = delegate;
        }

        @Override
        public Reply onMail(SmtpSession session, String address, List<String> options) throws Exception {
            Reply refusal = failures.forMail();
            if (refusal != null) {
                return refusal;
            }
            return delegate != null ? delegate.onMail(session, address, options) : null;
        }

        @Override
        public Reply onRcpt(SmtpSession session, String address, List<String> options) throws Exception {
            Reply refusal = failures.forRcpt(address);
            if (refusal != null) {
                return refusal;
            }
            return delegate != null ? delegate.onRcpt(session, address, options) : null;
        }

        @Override
        public Reply onData(Message message) throws Exception {
            Reply refusal = failures.forMessage();
            if (refusal != null) {
                return refusal;
            }
            Reply reply = delegate != null ? delegate.onData(message) : null;
            if (reply == null || reply.isPositive()) {
                mailbox.add(new CapturedMessage(message, asSent(message)));
            }
            return reply;
        }

        @Override
        public void onReset(SmtpSession session) {
            if (delegate != null) {
                delegate.onReset(session);
            }
        }

        @Override
        public void onClose(SmtpSession session) {
            if (delegate != null) {
                delegate.onClose(session);
            }
        }

        @Override
        public String toString() {
            return "CapturedMail[" + delegate + "]";
        }
    }
}
