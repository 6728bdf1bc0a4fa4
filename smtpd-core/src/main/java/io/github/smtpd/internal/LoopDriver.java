package io.github.smtpd.internal;

import java.io.IOException;
import java.nio.channels.SelectionKey;

import io.github.smtpd.Reply;
import io.github.smtpd.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Drives a session on its event loop: reads what its client sent when the loop sees it ready, runs the commands
 * that need no blocking, and waits for more with its replies flushed; a received message goes to the executor
 * (or is processed here when processors promised not to block) and the session comes back to the loop after it.
 */
final class LoopDriver {

    /** The session's log category, as before the session was split. */
    private static final Logger logger = LoggerFactory.getLogger(Session.class);

    /** Replies a session may hold for a client that does not read them before it stops running commands. */
    private static final int OUTPUT_LIMIT = 64 * 1024;

    private final Session session;

    private final ServerSettings settings;

    LoopDriver(Session session, ServerSettings settings) {
        this.session = session;
        this.settings = settings;
    }

    /** The loop saw this session's socket ready. */
    void ready(SelectionKey readyKey) {
        session.step(() -> {
            if (session.tlsSwitch().isHandshaking()) {
                session.tlsSwitch().continueHandshake();
                return;
            }
            if (readyKey.isWritable()) {
                session.output().flush();
                if (session.output().channel().hasPending()) {
                    return;
                }
                if (session.suspension().isSuspended()) {
                    readyKey.interestOps(SelectionKey.OP_READ);
                    return;
                }
                processInput();
                return;
            }
            if (session.suspension().isSuspended()) {
                session.suspension().keepInput(readyKey);
                return;
            }
            readInput();
        });
    }

    /** Takes what the client sent and runs it. */
    private void readInput() throws IOException {
        SmtpInput input = session.input();
        session.waitingForCommand = false;
        input.waitingSince(0);
        int read = input.readFrom(session.readChannel());
        if (read < 0) {
            session.endedByClientOrStop();
            session.finish();
            return;
        }
        processInput();
    }

    /**
     * Runs the commands the client sent while they need no blocking, then flushes their replies and waits for
     * more on the loop; or hands the session to the executor for a message or a command that blocks.
     */
    void processInput() throws IOException {
        SmtpInput input = session.input();
        MessageIntake intake = session.intake();
        Dispatcher dispatcher = session.dispatcher();
        ChannelOutput channelOutput = session.output().channel();
        int maxLine = CommandLines.longest(settings);
        while (!session.closeRequested) {
            if (channelOutput.buffered() > OUTPUT_LIMIT) {
                // A client that pipelines faster than it reads: stop here until its replies are taken.
                session.output().flush();
                if (channelOutput.hasPending()) {
                    break;
                }
            }
            if (intake.isReadingChunk()) {
                if (!input.pollChunk()) {
                    break;
                }
                ContentBuffer message = intake.chunkRead();
                if (message == null) {
                    dispatcher.finished("BDAT");
                }
                else if (!process(message, intake.chunkFlags(), "BDAT")) {
                    return;
                }
                if (closingForErrors()) {
                    break;
                }
                continue;
            }
            if (intake.isReceiving()) {
                int flags = input.pollData();
                if (flags == SmtpInput.MORE) {
                    break;
                }
                if (!process(intake.received(), flags, "DATA")) {
                    return;
                }
                if (closingForErrors()) {
                    break;
                }
                continue;
            }
            if (session.saidGoodbyeForShutdown()) {
                session.closeRequested = true;
                break;
            }
            int length = input.pollLine(maxLine);
            if (length == SmtpInput.MORE) {
                break;
            }
            if (!dispatcher.dispatch(length)) {
                return;
            }
            if (closingForErrors()) {
                break;
            }
        }
        boolean idle = !session.closeRequested && !session.output().isClosed() && !intake.isReceiving();
        // Set before the replies go out: a client that saw its reply may be idle for shutdownRequested().
        session.waitingForCommand = idle;
        session.output().flush();
        if (session.closeRequested || session.output().isClosed()) {
            if (!session.output().isClosed() && channelOutput.hasPending()) {
                // The goodbye waits for a slow reader (the watchdog bounds how long), as a blocking write would.
                session.key.interestOps(SelectionKey.OP_WRITE);
                return;
            }
            session.finish();
            return;
        }
        // The server may have begun to stop while this session was busy, and passed it by: close it now.
        if (idle && session.saidGoodbyeForShutdown()) {
            session.finish();
            return;
        }
        if (channelOutput.hasPending()) {
            // The client reads slowly: hold its input until it took its replies.
            session.key.interestOps(SelectionKey.OP_WRITE);
            return;
        }
        session.key.interestOps(SelectionKey.OP_READ);
        input.waitingSince(session.loop.now());
        TlsTransport transport = session.tlsSwitch().transport();
        if (transport != null && transport.hasBufferedInput()) {
            // Decrypted (or closing) input the socket will not announce again: read on at the loop's next turn.
            session.loop.execute(() -> {
                if (session.owner == Session.Owner.LOOP
                        && !session.isFinished()) {
                    session.step(this::readInput);
                }
            });
        }
    }

    /**
     * Hands a received message to the executor, which processes it, replies, and gives the session back; or
     * processes it here when the application promised that its processors never block.
     *
     * @return whether the loop goes on with this session's input now
     */
    private boolean process(ContentBuffer content, int flags, String verb) {
        if (settings.nonBlockingProcessors() || session.handler instanceof io.github.smtpd.AsyncSmtpHandler) {
            // An asynchronous hook never blocks the loop: the session waits for its answer (Suspension#await).
            return completeMessage(content, flags, verb);
        }
        try {
            offLoop(() -> completeMessage(content, flags, verb), this::resumeCommands);
        }
        catch (java.util.concurrent.RejectedExecutionException ex) {
            content.release();
            session.abortTransaction();
            session.reply(Replies.localError());
            session.dispatcher().finished(verb);
            logger.warn("Session {}: no thread to process a message on ({}); the client will retry", session.id(),
                    ex.toString());
            return true;
        }
        catch (RuntimeException | Error ex) {
            // Not handed over (the connection was closed meanwhile, or no thread could start): the content is ours.
            content.release();
            session.abortTransaction();
            throw ex;
        }
        return false;
    }

    /** Processes a received message and replies; false when that ended the session. */
    private boolean completeMessage(ContentBuffer content, int flags, String verb) {
        try {
            if (!session.intake().complete(content, flags)) {
                session.suspension().waitingVerb(verb);
                return false;
            }
            session.dispatcher().finished(verb);
            if (!session.input().hasBuffered()) {
                session.output().flush();
            }
            return true;
        }
        catch (IOException | RuntimeException | Error ex) {
            session.failed(ex);
            session.finish();
            return false;
        }
    }

    /**
     * Runs a command of the application's on the executor, since it may block: the session reads nothing
     * meanwhile (as while a message is processed), and its loop goes on with it afterwards.
     *
     * @return false when no thread took it: the client was answered, and the loop goes on with the session now
     */
    boolean runOffLoop(String verb, Session.Step command) {
        try {
            offLoop(() -> {
                try {
                    command.run();
                    return true;
                }
                catch (IOException | RuntimeException | Error ex) {
                    session.failed(ex);
                    session.finish();
                    return false;
                }
            }, () -> {
                if (session.dispatcher().afterCommand(verb)) {
                    resumeCommands();
                }
            });
            return true;
        }
        catch (java.util.concurrent.RejectedExecutionException ex) {
            session.reply(Replies.localError());
            session.dispatcher().finished(verb);
            logger.warn("Session {}: no thread to run {} on ({})", session.id(), Reply.sanitize(verb), ex.toString());
            return false;
        }
    }

    /** Work for the executor: false when it ended the session. */
    @FunctionalInterface
    private interface OffLoop {
        boolean run();
    }

    /**
     * Hands the session to the executor for {@code work}, which may block, the loop reading nothing of it
     * meanwhile; then {@code next} on the loop, unless the work or another thread ended the session.
     *
     * @throws java.util.concurrent.RejectedExecutionException when no thread takes it: the session stays the loop's
     */
    private void offLoop(OffLoop work, Session.Step next) {
        session.owner = Session.Owner.EXECUTOR;
        try {
            session.key.interestOps(0);
            session.executor.execute(() -> {
                MDC.put("smtpd.session", session.id());
                boolean goOn;
                try {
                    goOn = work.run();
                }
                finally {
                    MDC.remove("smtpd.session");
                }
                if (goOn) {
                    session.loop.execute(() -> {
                        session.owner = Session.Owner.LOOP;
                        if (!session.isFinished()) {
                            session.step(next);
                        }
                    });
                }
            });
        }
        catch (RuntimeException | Error ex) {
            session.owner = Session.Owner.LOOP;
            throw ex;
        }
    }

    /** Goes on with the client's commands after a message or a deferred hook, unless it made too many errors. */
    void resumeCommands() throws IOException {
        closingForErrors();
        processInput();
    }

    /** Whether the client made too many errors: it got its 421, and the session closes once that is out. */
    private boolean closingForErrors() {
        if (session.dispatcher().tooManyErrors()) {
            session.closeRequested = true;
            return true;
        }
        return false;
    }
}
