package io.github.smtpd.internal;

import java.io.IOException;

import io.github.smtpd.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a session that left its event loop for good, for a command that must block (AUTH, a custom command):
 * it moves to a thread of the executor and reads every later command there with blocking I/O, as a session
 * that never had a loop.
 */
final class BlockingDriver {

    /** The session's log category, as before the session was split. */
    private static final Logger logger = LoggerFactory.getLogger(Session.class);

    private final Session session;

    private final ServerSettings settings;

    BlockingDriver(Session session, ServerSettings settings) {
        this.session = session;
        this.settings = settings;
    }

    /**
     * Moves the session off the loop to a thread of its own, where {@code pending} (the command that must block)
     * and every later command run with blocking I/O, as in a session that never had a loop.
     */
    void leaveLoop(Session.Step pending) {
        session.input().waitingSince(0);
        session.loop.release(session.key, () -> {
            try {
                session.channel.configureBlocking(true);
                TlsTransport transport = session.tlsSwitch().transport();
                session.input().waitOn(transport != null ? new BlockingInput(transport)
                        : session.rawSocket.getInputStream());
                session.eventDriven = false;
                session.executor.execute(() -> continueBlocking(pending));
            }
            catch (IOException | RuntimeException | Error ex) {
                // No thread for it (or no blocking mode): the session ends here rather than hang, and its last
                // flush must not block the loop.
                logger.warn("Session {} could not leave its event loop: {}", session.id(), ex.toString());
                try {
                    session.channel.configureBlocking(false);
                }
                catch (IOException | RuntimeException again) {
                    // Closed already; finishing writes nothing then.
                }
                session.ended("error");
                session.step(session::finish);
            }
        });
    }

    private void continueBlocking(Session.Step pending) {
        session.runToTheEnd(() -> {
            pending.run();
            if (!session.dispatcher().tooManyErrors()) {
                commandLoop();
            }
        });
    }

    private void commandLoop() throws IOException {
        int maxLine = CommandLines.longest(settings);
        while (!session.closeRequested) {
            // A channel socket closes when a thread blocked on it is interrupted: an interrupt a processor or a
            // hook left behind must not cost the client its connection.
            Thread.interrupted();
            // Marked before the check: a stop that began meanwhile either sees this session waiting and closes
            // it (shutdownRequested), or is seen here.
            session.waitingForCommand = true;
            if (session.saidGoodbyeForShutdown()) {
                session.waitingForCommand = false;
                return;
            }
            int length;
            try {
                length = session.input().readLine(maxLine);
            }
            finally {
                session.waitingForCommand = false;
            }
            if (length == SmtpInput.EOF) {
                return;
            }
            session.dispatcher().dispatch(length, maxLine);
            if (session.dispatcher().tooManyErrors()) {
                return;
            }
        }
    }
}
