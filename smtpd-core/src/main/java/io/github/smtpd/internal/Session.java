package io.github.smtpd.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import io.github.smtpd.Reply;
import io.github.smtpd.SessionState;
import io.github.smtpd.SmtpCommand;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.SmtpSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One client connection, smtpd's {@code SMTPChannel}: reads command lines and dispatches them through the
 * command table. It keeps the transaction state in an {@link Envelope}, filled by {@link EnvelopeCommands} (MAIL,
 * RCPT) and consumed by {@link MessageIntake} (DATA, BDAT). Runs as one task on the server's executor with
 * blocking I/O; only {@link #shutdownRequested()} and {@link #forceClose()} are called from another thread.
 */
public final class Session implements SmtpSession {

    private static final Logger logger = LoggerFactory.getLogger(Session.class);

    private final SmtpServer server;

    private volatile Socket socket;

    private final String id;

    final SmtpHandler handler;

    private final Map<String, SmtpCommand> commands;

    final SmtpServerListener listener;

    private final SessionRegistry registry;

    private volatile InetSocketAddress peer;

    private boolean clientAdmitted;

    private final Instant since = Instant.now();

    private final SmtpInput input;

    /** How long the client may keep us waiting now: the idle timeout between commands, longer in DATA. */
    private volatile long timeoutNanos;

    /** When a TLS handshake began ({@link System#nanoTime()}), or 0 when none is in progress. */
    private volatile long handshakeSince;

    private OutputStream output;

    private final boolean implicitTls;

    private volatile javax.net.ssl.SSLSession tls;

    private volatile String authenticatedUser;

    private int authFailures;

    private final ReentrantLock writeLock = new ReentrantLock();

    private final Map<String, Object> attributes = new ConcurrentHashMap<>();

    private volatile SessionState state = SessionState.COMMAND;

    private volatile String heloName;

    private volatile boolean extended;

    /** The transaction state: the envelope and any BDAT chunks. */
    final Envelope envelope = new Envelope();

    /** MAIL and RCPT. */
    private final EnvelopeCommands envelopeCommands;

    /** HELO, EHLO, NOOP, QUIT, RSET, HELP, VRFY, EXPN. */
    private final ConnectionCommands connectionCommands;

    /** DATA and BDAT. */
    private final MessageIntake intake;

    private int errors;

    private Reply lastReply;

    private volatile boolean closeRequested;

    private volatile boolean waitingForCommand;

    private volatile boolean closed;

    private volatile String outcome;

    /** Set by another thread (watchdog, shutdown) that ended the session's wait: the reply to say goodbye with. */
    private volatile Reply closeReason;

    /** Whether a 421 was sent, so the goodbye is not said twice. */
    private boolean farewellSent;

    /** The accepted connection, under any TLS layer: what other threads close. */
    private final Socket rawSocket;

    /** Whether listeners were told of this session, so they hear of its end only then. */
    private boolean opened;

    /** The loop that runs this session while it waits for its client, or {@code null} for a blocking one. */
    private final EventLoop loop;

    private final java.nio.channels.SocketChannel channel;

    /** The replies of an event-driven session, which may wait in memory for a client that reads slowly. */
    private final ChannelOutput channelOutput;

    /** Where an event-driven session processes messages and goes on when it must block. */
    private final java.util.concurrent.Executor executor;

    private java.nio.channels.SelectionKey key;

    /** TLS over {@link #channel} through an SSLEngine, once it started; {@code null} in the clear. */
    private TlsTransport transport;

    /** Whether the loop drives this session's TLS handshake (see {@link #continueHandshake}); on its loop only. */
    private boolean handshaking;

    /** Whether the event loop runs this session; false once it moved to a thread of its own. */
    private volatile boolean eventDriven;

    /** Whether an event-driven session's message is being processed on the executor, away from its loop. */
    private volatile boolean processing;

    /** Set while an event-driven session waits for a deferred hook ({@link DeferredHooks}); on its loop only. */
    private boolean suspended;

    /** The command whose deferred hook the session waits for, to count once it is answered. */
    private String suspendedVerb;

    /** Where a {@link DeferredHooks} handler does this session's blocking work, one task at a time. */
    private final SerialWork work;

    private final java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * A session that an {@link EventLoop} runs while it waits for its client; {@code channel} is non-blocking.
     * Commands that must block move it to a thread of {@code executor} for good; message processing runs there.
     */
    public Session(SmtpServer server, java.nio.channels.SocketChannel channel, String id, SmtpHandler handler,
            Map<String, SmtpCommand> commands, SmtpServerListener listener, SessionRegistry registry, EventLoop loop,
            java.util.concurrent.Executor executor, boolean implicitTls) throws IOException {
        Socket socket = channel.socket();
        this.implicitTls = implicitTls;
        this.rawSocket = socket;
        this.server = server;
        this.socket = socket;
        this.id = id;
        this.handler = handler;
        this.commands = commands;
        this.listener = listener;
        this.registry = registry;
        this.peer = (InetSocketAddress) socket.getRemoteSocketAddress();
        this.loop = loop;
        this.channel = channel;
        this.executor = executor;
        this.eventDriven = true;
        this.work = new SerialWork(executor, loop);
        this.channelOutput = new ChannelOutput(channel);
        this.output = channelOutput;
        this.input = new SmtpInput(null, 16384, this::flushOutput);
        this.input.pooledBy(loop);
        this.envelopeCommands = new EnvelopeCommands(this);
        this.connectionCommands = new ConnectionCommands(this);
        this.intake = new MessageIntake(this);
    }

    /** Runs {@code steps} on this thread with blocking I/O, then ends the session however they ended. */
    private void runToTheEnd(Step steps) {
        MDC.put("smtpd.session", id);
        try {
            steps.run();
        }
        catch (IOException | RuntimeException | Error ex) {
            failed(ex);
        }
        finally {
            finish();
        }
    }

    /** Reads a PROXY header where one is due, and counts the client in; false when it is refused. */
    private boolean admit() throws IOException {
        setTimeout(server.getIdleTimeout());
        if (server.getTrustedProxies() != null) {
            InetSocketAddress client = ProxyProtocolHeader.readTrusted(this, input, listener);
            if (client == null) {
                ended("rejected");
                return false;
            }
            peer = client;
        }
        int perClient = server.isClientLimited(peer.getAddress()) ? server.getMaxSessionsPerClient() : 0;
        if (!registry.admitClient(peer.getAddress(), perClient)) {
            ended("rejected");
            reply(Reply.of(421, "4.7.0", server.getHostName() + " Error: too many connections from your address"));
            listener.connectionRejected(peer, "per-client");
            return false;
        }
        clientAdmitted = true;
        return true;
    }

    /** Says 220, unless the server is stopping; whether the session goes on. */
    private boolean greet() {
        if (saidGoodbyeForShutdown()) {
            return false;
        }
        reply(Reply.of(220, server.getHostName()
                + (server.getProtocol() == io.github.smtpd.Protocol.LMTP ? " LMTP" : " ESMTP") + " smtpd for Java"));
        opened = true;
        listener.sessionOpened(this);
        return true;
    }

    /** Records why the session failed, and says goodbye where that is still possible. */
    private void failed(Throwable ex) {
        if (ex instanceof SocketTimeoutException) {
            // Only a TLS handshake reads with a socket timeout; before an implicit TLS handshake, plain text
            // would be garbage to the client.
            ended("timeout");
            if (!implicitTls || tls != null) {
                replyQuietly(Reply.of(421, "4.4.2", server.getHostName() + " Error: timeout exceeded"));
            }
        }
        else if (ex instanceof IOException || ex instanceof java.io.UncheckedIOException
                || ex instanceof java.nio.channels.CancelledKeyException || closed) {
            // A cancelled key means another thread closed the connection (the watchdog, a stop).
            endedByClientOrStop();
            logger.debug("Session {} with {} ended: {}", id, peer, ex.toString());
        }
        else {
            ended("error");
            logger.error("Session {} with {} failed", id, peer, ex);
            replyQuietly(Reply.of(421, "4.3.0", server.getHostName() + " Error: internal server error, closing"));
        }
    }

    /** Ends the session once, on whichever thread runs it last: goodbye, hooks, socket, counts and listeners. */
    private void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        Reply reason = closeReason;
        if (reason != null && !farewellSent && !closed) {
            replyQuietly(reason);
        }
        ended("disconnected");
        intake.abandon();
        abortTransaction();
        try {
            handler.onClose(this);
        }
        catch (RuntimeException ex) {
            logger.warn("Session {}: the handler failed to close", id, ex);
        }
        flushQuietly();
        closeSocket();
        if (loop != null && !loop.inLoop()) {
            // A channel still registered is closed by the loop's next selection; make it come.
            loop.wakeup();
        }
        else if (loop != null && eventDriven && !suspended) {
            // Not while a deferred hook runs: the message it relays may still be read from that memory.
            loop.giveBack(input.takeBulkBuffer(), intake.takeMemory());
        }
        if (clientAdmitted) {
            registry.releaseClient(peer.getAddress());
        }
        registry.ended(this);
        if (opened) {
            listener.sessionClosed(this);
        }
        MDC.remove("smtpd.session");
    }

    // ---- Event-driven sessions: run by an EventLoop while they wait for their client ----

    /** A piece of a session's work; an I/O failure ends the session. */
    private interface Step {
        void run() throws IOException;
    }

    /** Runs {@code step} for this session; a failure ends it, as it would end a blocking one. */
    private void step(Step step) {
        MDC.put("smtpd.session", id);
        try {
            step.run();
        }
        catch (IOException | RuntimeException | Error ex) {
            failed(ex);
            finish();
        }
        finally {
            MDC.remove("smtpd.session");
        }
    }

    /** Starts this session on its loop's thread: greets the client and waits for its commands. */
    public void openOnLoop() {
        registry.started(this);
        step(() -> {
            if (!admit()) {
                finish();
                return;
            }
            joinLoop();
        });
    }

    /**
     * Starts a session behind a trusted proxy: its header is read on an executor thread, blocking (a proxy sends it
     * at once; a short timeout bounds it), then it joins its loop with what came behind the header still buffered.
     */
    public void openBehindProxy() {
        registry.started(this);
        // Until it is on the loop, this thread ends the session, not the loop (see hardClose).
        processing = true;
        step(() -> {
            input.waitOn(rawSocket.getInputStream());
            if (!admit()) {
                finish();
                return;
            }
            input.waitOn(null);
            channel.configureBlocking(false);
            processing = false;
            loop.execute(() -> step(this::joinLoop));
        });
    }

    /** Registers with the loop, then greets the client, or first does the implicit TLS handshake. */
    private void joinLoop() throws IOException {
        key = loop.register(channel, this);
        if (implicitTls) {
            startTransport(input.takeBuffered());
            continueHandshake();
            return;
        }
        if (!greet()) {
            finish();
            return;
        }
        processInput();
    }

    /** The loop saw this session's socket ready. */
    void ready(java.nio.channels.SelectionKey readyKey) {
        step(() -> {
            if (handshaking) {
                continueHandshake();
                return;
            }
            if (readyKey.isWritable()) {
                flushOutput();
                if (channelOutput.hasPending()) {
                    return;
                }
                if (suspended) {
                    readyKey.interestOps(java.nio.channels.SelectionKey.OP_READ);
                    return;
                }
                processInput();
                return;
            }
            if (suspended) {
                keepWhileSuspended(readyKey);
                return;
            }
            readInput();
        });
    }

    /** Takes what the client sent and runs it. */
    private void readInput() throws IOException {
        waitingForCommand = false;
        input.waitingSince(0);
        int read = input.readFrom(transport != null ? transport : channel);
        if (read < 0) {
            endedByClientOrStop();
            finish();
            return;
        }
        processInput();
    }

    /**
     * Runs the commands the client sent while they need no blocking, then flushes their replies and waits for
     * more on the loop; or hands the session to the executor for a message or a command that blocks.
     */
    private void processInput() throws IOException {
        int maxLine = CommandLines.longest(server);
        while (!closeRequested) {
            if (channelOutput.buffered() > OUTPUT_LIMIT) {
                // A client that pipelines faster than it reads: stop here until its replies are taken.
                flushOutput();
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
                    finished("BDAT");
                }
                else if (!process(message, intake.chunkFlags(), "BDAT")) {
                    return;
                }
                if (tooManyErrors()) {
                    closeRequested = true;
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
                if (tooManyErrors()) {
                    closeRequested = true;
                    break;
                }
                continue;
            }
            if (saidGoodbyeForShutdown()) {
                closeRequested = true;
                break;
            }
            int length = input.pollLine(maxLine);
            if (length == SmtpInput.MORE) {
                break;
            }
            if (!dispatch(length, maxLine)) {
                return;
            }
            if (tooManyErrors()) {
                closeRequested = true;
                break;
            }
        }
        boolean idle = !closeRequested && !closed && !intake.isReceiving();
        // Set before the replies go out: a client that saw its reply may be idle for shutdownRequested().
        waitingForCommand = idle;
        flushOutput();
        if (closeRequested || closed) {
            if (!closed && channelOutput.hasPending()) {
                // The goodbye waits for a slow reader (the watchdog bounds how long), as a blocking write would.
                key.interestOps(java.nio.channels.SelectionKey.OP_WRITE);
                return;
            }
            finish();
            return;
        }
        // The server may have begun to stop while this session was busy, and passed it by: close it now.
        if (idle && saidGoodbyeForShutdown()) {
            finish();
            return;
        }
        if (channelOutput.hasPending()) {
            // The client reads slowly: hold its input until it took its replies.
            key.interestOps(java.nio.channels.SelectionKey.OP_WRITE);
            return;
        }
        key.interestOps(java.nio.channels.SelectionKey.OP_READ);
        input.waitingSince(loop.now());
        if (transport != null && transport.hasBufferedInput()) {
            // Decrypted (or closing) input the socket will not announce again: read on at the loop's next turn.
            loop.execute(() -> {
                if (eventDriven && !processing && !suspended && !finished.get()) {
                    step(this::readInput);
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
        if (server.isNonBlockingProcessors() || handler instanceof DeferredHooks) {
            // A deferred hook never blocks the loop: the session waits for its answer instead (see await).
            return completeMessage(content, flags, verb);
        }
        processing = true;
        try {
            key.interestOps(0);
            executor.execute(() -> {
                MDC.put("smtpd.session", id);
                boolean goOn;
                try {
                    goOn = completeMessage(content, flags, verb);
                }
                finally {
                    MDC.remove("smtpd.session");
                }
                if (goOn) {
                    loop.execute(this::resume);
                }
            });
        }
        catch (java.util.concurrent.RejectedExecutionException ex) {
            processing = false;
            content.release();
            abortTransaction();
            reply(Replies.localError());
            finished(verb);
            logger.warn("Session {}: no thread to process a message on ({}); the client will retry", id,
                    ex.toString());
            return true;
        }
        catch (RuntimeException | Error ex) {
            // Not handed over (the connection was closed meanwhile, or no thread could start): the content is ours.
            processing = false;
            content.release();
            abortTransaction();
            throw ex;
        }
        return false;
    }

    /** Replies a session may hold for a client that does not read them before it stops running commands. */
    private static final int OUTPUT_LIMIT = 64 * 1024;

    /** Processes a received message and replies; false when that ended the session. */
    private boolean completeMessage(ContentBuffer content, int flags, String verb) {
        try {
            if (!intake.complete(content, flags)) {
                suspendedVerb = verb;
                return false;
            }
            finished(verb);
            if (!input.hasBuffered()) {
                flushOutput();
            }
            return true;
        }
        catch (IOException | RuntimeException | Error ex) {
            failed(ex);
            finish();
            return false;
        }
    }

    private void resume() {
        processing = false;
        if (finished.get()) {
            return;
        }
        step(() -> {
            if (tooManyErrors()) {
                closeRequested = true;
            }
            processInput();
        });
    }

    /** Whether the session waits for a deferred hook's answer (see {@link #await}). */
    boolean isSuspended() {
        return suspended;
    }

    /** The executor for a {@link DeferredHooks} handler's blocking work in this session. */
    SerialWork work() {
        return work;
    }

    /**
     * Goes on with a deferred hook's answer ({@link DeferredHooks}): at once when it is there or the session has
     * a thread of its own to wait on; otherwise, on the event loop, the session stops reading its client's input
     * (the time does not count against the client's timeout) and {@code then} runs on the loop's thread once the
     * answer came, before the session goes on with what the client sent meanwhile.
     *
     * @param then given the answer, or the failure that stands for it
     */
    void await(java.util.concurrent.CompletionStage<Reply> answer,
            java.util.function.BiConsumer<Reply, Throwable> then) {
        java.util.concurrent.CompletableFuture<Reply> future = answer.toCompletableFuture();
        if (future.isDone() || loop == null || !loop.inLoop()) {
            Reply reply;
            try {
                reply = future.join();
            }
            catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException ex) {
                then.accept(null, causeOf(ex));
                return;
            }
            then.accept(reply, null);
            return;
        }
        // Suspended before anything can fail: the hook has started, and its answer must find the session waiting.
        suspended = true;
        processing = true;
        future.whenComplete((reply, failure) -> loop.execute(() -> resumeWith(reply, failure, then)));
        try {
            // Reading goes on (see keepWhileSuspended): turning it off and on would cost two epoll_ctl calls per
            // hook, and a client that waits for its reply sends nothing meanwhile.
            key.interestOps(channelOutput.hasPending() ? java.nio.channels.SelectionKey.OP_WRITE
                    : java.nio.channels.SelectionKey.OP_READ);
        }
        catch (java.nio.channels.CancelledKeyException ex) {
            // Closed meanwhile (a client that stopped reading, a stop): the answer ends the session.
        }
    }

    /**
     * What a client sends while its command waits for a deferred hook is kept for later, up to a full buffer;
     * then the session stops reading until the hook has answered. The end of its input (a client that hung up or
     * half-closed, or a stop) waits too: the answer is sent first, then what was kept runs, then the session ends,
     * as it would had the hook answered at once.
     */
    private void keepWhileSuspended(java.nio.channels.SelectionKey readyKey) throws IOException {
        if (!input.hasRoom() || input.readFrom(transport != null ? transport : channel) < 0) {
            // The end of input stays readable: the loop sees it again once the session reads again.
            readyKey.interestOps(0);
        }
    }

    /** What failed a deferred hook: its own exception, not the future's wrapper around it. */
    private static Throwable causeOf(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
    }

    private void resumeWith(Reply reply, Throwable failure, java.util.function.BiConsumer<Reply, Throwable> then) {
        suspended = false;
        processing = false;
        Throwable cause = causeOf(failure);
        step(() -> {
            // Also when the session ended meanwhile: the message's outcome is logged and its content released.
            then.accept(reply, cause);
            if (finished.get()) {
                return;
            }
            finished(suspendedVerb);
            if (tooManyErrors()) {
                closeRequested = true;
            }
            processInput();
        });
    }

    /**
     * Moves the session off the loop to a thread of its own, where {@code pending} (the command that must block)
     * and every later command run with blocking I/O, as in a session that never had a loop.
     */
    private void leaveLoop(Step pending) {
        input.waitingSince(0);
        loop.release(key, () -> {
            try {
                channel.configureBlocking(true);
                input.waitOn(transport != null ? new BlockingInput(transport) : rawSocket.getInputStream());
                eventDriven = false;
                executor.execute(() -> continueBlocking(pending));
            }
            catch (IOException | RuntimeException | Error ex) {
                // No thread for it (or no blocking mode): the session ends here rather than hang, and its last
                // flush must not block the loop.
                logger.warn("Session {} could not leave its event loop: {}", id, ex.toString());
                try {
                    channel.configureBlocking(false);
                }
                catch (IOException | RuntimeException again) {
                    // Closed already; finishing writes nothing then.
                }
                ended("error");
                step(this::finish);
            }
        });
    }

    private void continueBlocking(Step pending) {
        runToTheEnd(() -> {
            pending.run();
            if (!tooManyErrors()) {
                commandLoop();
            }
        });
    }

    private void commandLoop() throws IOException {
        int maxLine = CommandLines.longest(server);
        while (!closeRequested) {
            // A channel socket closes when a thread blocked on it is interrupted: an interrupt a processor or a
            // hook left behind must not cost the client its connection.
            Thread.interrupted();
            // Marked before the check: a stop that began meanwhile either sees this session waiting and closes
            // it (shutdownRequested), or is seen here.
            waitingForCommand = true;
            if (saidGoodbyeForShutdown()) {
                waitingForCommand = false;
                return;
            }
            int length;
            try {
                length = input.readLine(maxLine);
            }
            finally {
                waitingForCommand = false;
            }
            if (length == SmtpInput.EOF) {
                return;
            }
            dispatch(length, maxLine);
            if (tooManyErrors()) {
                return;
            }
        }
    }

    /**
     * Between commands, a stopping server closes each session that has no transaction open, with {@code 421}
     * (a transaction in progress may finish first); the one check every path between commands makes.
     *
     * @return whether the session said goodbye and must close
     */
    private boolean saidGoodbyeForShutdown() {
        if (!registry.isDraining() || envelope.mailFrom != null) {
            return false;
        }
        ended("shutdown");
        reply(Replies.shuttingDown(server.getHostName()));
        return true;
    }

    /** The connection ended under the session: a stop closed it, or the client went away. */
    private void endedByClientOrStop() {
        ended(registry.isDraining() ? "shutdown" : "disconnected");
    }

    /** Says goodbye to a client that made too many errors. */
    private boolean tooManyErrors() {
        if (errors > server.getMaxBadCommands()) {
            ended("too-many-errors");
            reply(Reply.of(421, "4.7.0", server.getHostName() + " Error: too many errors"));
            return true;
        }
        return false;
    }

    /** @return false when the session left its event loop to run the command on a thread of its own */
    private boolean dispatch(int length, int maxLine) throws IOException {
        // A whole line arrived: the next one has a deadline of its own.
        input.endRecord();
        lastReply = null;
        CommandLines.Line line = CommandLines.parse(input.lineBytes(), length, server, extended);
        String verb = line.verb();
        String argument = line.argument();
        SmtpCommand command = line.error() == null ? commands.get(verb) : null;
        if (command == null) {
            reply(line.error() != null ? line.error()
                    : Reply.of(500, "5.5.2", "Error: command \"" + Reply.sanitize(verb) + "\" not recognized"));
            finished("UNKNOWN");
            return true;
        }
        if (eventDriven && !BuiltinCommands.runsOnEventLoop(server.getProtocol(), verb, command)) {
            String commandArgument = argument;
            leaveLoop(() -> {
                command.execute(this, commandArgument);
                finished(verb);
            });
            return false;
        }
        command.execute(this, argument);
        if (suspended) {
            suspendedVerb = verb;
            return false;
        }
        if (handshaking) {
            // STARTTLS: the loop goes on with the handshake; the 220 was the command's reply.
            finished(verb);
            continueHandshake();
            return false;
        }
        if (!intake.isReceiving()) {
            // A DATA the loop goes on reading is finished once its message has been processed.
            finished(verb);
        }
        return true;
    }

    private void finished(String verb) {
        Reply reply = lastReply;
        if (reply != null) {
            if (reply.code() >= 500) {
                errors++;
            }
            listener.commandCompleted(this, verb, reply);
        }
    }

    /** The timeout of what the session reads next: a command line, or a message's data (with the data rate). */
    void setTimeout(Duration timeout) {
        timeoutNanos = timeout.toNanos();
        input.endRecord();
    }

    void setState(SessionState state) {
        this.state = state;
    }

    /** The command input, in the clear or decrypted. */
    SmtpInput input() {
        return input;
    }

    /** MAIL and RCPT, for the command table. */
    EnvelopeCommands envelopeCommands() {
        return envelopeCommands;
    }

    ConnectionCommands connectionCommands() {
        return connectionCommands;
    }

    /** HELO or EHLO was accepted: the client's name, and whether ESMTP (enhanced codes, parameters) is on. */
    void greeted(String heloName, boolean extended) {
        this.heloName = heloName;
        this.extended = extended;
    }

    /** QUIT was answered: the session ends once its replies are out. */
    void quitRequested() {
        ended("quit");
        closeRequested = true;
    }

    /** A reply sent as it is, without an enhanced status code (RFC 2034: the EHLO reply carries none). */
    void replyWithoutEnhancedCode(Reply reply) {
        write(reply, false);
    }

    /** DATA and BDAT, for the command table. */
    MessageIntake intake() {
        return intake;
    }

    /**
     * Called by the server's watchdog: a client that has kept this session waiting longer than allowed gets
     * {@code 421} and is disconnected, which ends the blocked read. Time spent processing never counts. Two
     * clocks run while the session waits: silence, which every byte resets, and the deadline of the record it
     * reads (a command line, a message's data, a BDAT chunk), which bytes do not reset: inside DATA and BDAT it
     * grows by one second for every {@code minDataRate} bytes received (Postfix's smtpd_per_record_deadline and
     * smtpd_min_data_rate). Under stress both use the shorter stress timeout.
     *
     * @param stressed whether the server is near its session limit
     */
    public void expireIfIdle(long now, boolean stressed) {
        if (closed) {
            return;
        }
        long timeout = stressed ? Math.min(timeoutNanos, server.getStressTimeout().toNanos()) : timeoutNanos;
        long handshake = handshakeSince;
        long waiting = input.waitingNanos(now);
        if (closeReason == null && handshake != 0 && now - handshake > timeout) {
            // No reply can go out in the middle of a handshake: the connection is closed.
            ended("timeout");
            logger.debug("Session {} with {} did not finish its TLS handshake in time", id, peer);
            hardClose();
        }
        else if (closeReason == null && waiting > 0
                && (waiting > timeout || input.recordNanos(now) > timeout + dataCredit())) {
            ended("timeout");
            logger.debug("Session {} with {} timed out", id, peer);
            interrupt(Reply.of(421, "4.4.2", server.getHostName() + " Error: timeout exceeded"));
        }
        else if (channelOutput.pendingNanos(now) > timeout) {
            // The client stopped reading: no reply can reach it, so the connection is just closed. Also when it
            // is closing (a 421 that it does not take): its slot must come free.
            ended("timeout");
            logger.debug("Session {} with {} stopped reading its replies", id, peer);
            hardClose();
        }
    }

    /** The time that the data received in the current record has earned, in nanoseconds. */
    private long dataCredit() {
        int rate = server.getMinDataRate();
        if (state != SessionState.DATA || rate <= 0) {
            return 0;
        }
        long bytes = input.recordBytes();
        return bytes >= Long.MAX_VALUE / 1_000_000_000L ? Long.MAX_VALUE / 2 : bytes * 1_000_000_000L / rate;
    }

    /**
     * How long this session has been stalled on its client, for shedding at capacity: the time spent on its
     * current record beyond what its data earned; -1 when it cannot be shed (it is processing, writing, or closing).
     */
    long stalledNanos(long now) {
        if (closed || closeReason != null) {
            return -1;
        }
        long handshake = handshakeSince;
        if (handshake != 0) {
            return now - handshake;
        }
        if (input.waitingNanos(now) == 0) {
            return -1;
        }
        return Math.max(0, input.recordNanos(now) - dataCredit());
    }

    /** Ends this session for a newcomer: the server is full and this session made the least progress. */
    void shed() {
        ended("shed");
        logger.info("Session {} with {} closed for a new client: the server is full and it made the least progress",
                id, peer);
        interrupt(Reply.of(421, "4.7.0", server.getHostName()
                + " Error: too many connections, closing the one that made the least progress"));
    }

    // ---- TLS (STARTTLS's checks are in ConnectionCommands) and AUTH ----

    /** Switches to TLS once STARTTLS's 220 is out: what the client sent behind it never runs (CVE-2011-0411). */
    void startTls() throws IOException {
        flushOutput();
        int dropped = input.discardBuffered();
        if (dropped > 0) {
            logger.warn("Session {}: dropped {} bytes sent after STARTTLS before the TLS handshake", id, dropped);
        }
        try {
            // On the loop the handshake only begins here: see dispatch and continueHandshake.
            startTransport(new byte[0]);
        }
        catch (IOException ex) {
            tlsFailed(ex);
            return;
        }
        if (!handshaking) {
            tlsStarted();
        }
    }

    /** The handshake failed: the session ends without another word (there is no channel for one). */
    private void tlsFailed(IOException ex) {
        logger.info("Session {}: TLS handshake with {} failed: {}", id, peer, ex.toString());
        ended("tls-failed");
        listener.tlsHandshake(this, false);
        closeRequested = true;
        closed = true;
    }

    /** The handshake succeeded: after STARTTLS, the session forgets what it learned in the clear. */
    private void tlsStarted() {
        listener.tlsHandshake(this, true);
        // RFC 3207 4.2: forget everything learned before TLS; the client must greet again (implicit TLS: a no-op).
        abortTransaction();
        heloName = null;
        extended = false;
        authenticatedUser = null;
    }

    /**
     * Starts TLS over the channel through an SSLEngine; what is buffered for the client still goes in the clear.
     * On the loop the handshake only begins here; a session on a thread of its own does it all now.
     *
     * @param consumed bytes already read that belong to the handshake
     */
    private void startTransport(byte[] consumed) throws IOException {
        transport = new TlsTransport(Tls.engine(server, (InetSocketAddress) channel.getRemoteAddress()), channel,
                consumed);
        channelOutput.startTls(transport);
        handshakeSince = System.nanoTime() | 1;
        if (eventDriven) {
            // The caller goes on with continueHandshake once it has said what it had to.
            handshaking = true;
            return;
        }
        try {
            flushOutput();
            transport.handshakeBlocking();
        }
        finally {
            handshakeSince = 0;
        }
        tls = transport.session();
        input.waitOn(new BlockingInput(transport));
    }

    /**
     * Drives the handshake on the loop as far as it goes without waiting; the loop calls again when the client's
     * bytes come or it takes ours, or when the engine's slow work (keys, certificates) is done on the executor.
     */
    private void continueHandshake() throws IOException {
        TlsTransport.Progress progress;
        try {
            // The 220 to STARTTLS goes out in the clear first.
            flushOutput();
            progress = channelOutput.hasPending() ? TlsTransport.Progress.WRITE : transport.handshake();
            if (progress == TlsTransport.Progress.TASK) {
                key.interestOps(0);
                transport.runTasks(executor, () -> loop.execute(() -> {
                    if (!finished.get()) {
                        step(this::continueHandshake);
                    }
                }));
                return;
            }
        }
        catch (IOException | java.util.concurrent.RejectedExecutionException ex) {
            tlsFailed(ex instanceof IOException io ? io : new IOException("No thread for the TLS handshake", ex));
            finish();
            return;
        }
        if (progress != TlsTransport.Progress.DONE) {
            key.interestOps(progress == TlsTransport.Progress.READ ? java.nio.channels.SelectionKey.OP_READ
                    : java.nio.channels.SelectionKey.OP_WRITE);
            return;
        }
        handshaking = false;
        handshakeSince = 0;
        tls = transport.session();
        tlsStarted();
        if (implicitTls && !greet()) {
            finish();
            return;
        }
        processInput();
    }

    /** RFC 4954 AUTH with PLAIN or LOGIN; failed attempts count against the client in {@code registry} too. */
    void auth(String argument) throws IOException {
        new Auth(this, server, registry.authFailures()).run(argument);
    }

    /** Counts a failure of this session (the client's count across sessions was reserved before the check). */
    int recordAuthFailure() {
        return ++authFailures;
    }

    void authenticated(String identity) {
        authenticatedUser = identity;
    }

    // ---- Transaction state ----

    boolean inTransaction() {
        return envelope.mailFrom != null;
    }

    void abortTransaction() {
        if (envelope.reset()) {
            try {
                handler.onReset(this);
            }
            catch (RuntimeException ex) {
                logger.warn("Session {}: the handler failed to reset", id, ex);
            }
        }
    }

    // ---- Output ----

    @Override
    public void reply(Reply reply) {
        write(reply, extended && server.isEnhancedStatusCodes());
    }

    /**
     * Writes a reply; with enhanced status codes on (after EHLO), one without a code gets the generic code of
     * its class, so every reply carries one (RFC 2034), except the 3xx intermediate replies (354, 334).
     */
    private void write(Reply reply, boolean enhanced) {
        lastReply = reply;
        if (reply.code() == 421) {
            farewellSent = true;
        }
        if (enhanced && reply.enhancedCode() == null && reply.code() / 100 != 3) {
            reply = reply.withEnhancedCode(reply.code() / 100 + ".0.0");
        }
        byte[] bytes = reply.toWire(enhanced).getBytes(StandardCharsets.UTF_8);
        writeLock.lock();
        try {
            if (closed) {
                throw new java.io.UncheckedIOException(new java.net.SocketException("Session closed"));
            }
            output.write(bytes);
        }
        catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        finally {
            writeLock.unlock();
        }
    }

    private void replyQuietly(Reply reply) {
        try {
            reply(reply);
        }
        catch (RuntimeException ex) {
            // The client is gone; there is no one to tell.
        }
    }

    private void flushOutput() throws IOException {
        writeLock.lock();
        try {
            if (!closed) {
                output.flush();
            }
        }
        finally {
            writeLock.unlock();
        }
    }

    private void flushQuietly() {
        try {
            flushOutput();
        }
        catch (IOException ex) {
            // The client is gone.
        }
    }

    private void closeSocket() {
        writeLock.lock();
        try {
            closed = true;
            if (transport != null) {
                transport.closeQuietly();
            }
            if (eventDriven && key != null && key.isValid() && loop.inLoop()) {
                loop.close(key, channel);
            }
            else {
                socket.close();
            }
        }
        catch (IOException ex) {
            // Already closed.
        }
        finally {
            writeLock.unlock();
        }
    }

    /** Called when the server begins to stop: a session idle between transactions is closed at once. */
    void shutdownRequested() {
        if (waitingForCommand && envelope.mailFrom == null && !input.hasBuffered()) {
            forceClose();
        }
    }

    /**
     * Asks the session to end with 421 from another thread: a read in progress ends at once; a processor in
     * progress finishes and its reply is sent first, so no message is processed under a 421.
     */
    void forceClose() {
        interrupt(Replies.shuttingDown(server.getHostName()));
    }

    /**
     * Ends a session that is waiting for its client, from another thread, without writing on that thread: the
     * input is shut down, the blocked read returns, and the session thread itself sends {@code reply} and closes.
     * A write from here could block this thread, and closing a TLS socket from here waits for its write lock.
     */
    private void interrupt(Reply reply) {
        if (closeReason == null) {
            closeReason = reply;
        }
        try {
            rawSocket.shutdownInput();
        }
        catch (IOException ex) {
            // Closed already.
        }
    }

    /** Closes the plain socket under any TLS layer, which unblocks a write to a client that does not read. */
    void hardClose() {
        closed = true;
        try {
            rawSocket.close();
        }
        catch (IOException ex) {
            // Closed already.
        }
        if (eventDriven) {
            // A closed channel leaves the selector without a word: the loop must end a session parked there.
            loop.execute(() -> {
                // Not while a processor runs on the executor (it replies and ends the session itself); but a
                // session waiting for a deferred hook ends now: its answer may never come (an upstream that says
                // nothing), and it finds the session ended when it does.
                if (eventDriven && (!processing || suspended)) {
                    step(this::finish);
                }
            });
        }
    }

    /** The loop that ran this session, or {@code null}: it lends the session its bulk buffers. */
    EventLoop loop() {
        return loop;
    }

    /** Whether an event loop reads this session's input, so that DATA must not wait for it. */
    boolean isEventDriven() {
        return eventDriven;
    }

    // ---- SmtpSession ----

    @Override
    public String id() {
        return id;
    }

    @Override
    public InetSocketAddress peer() {
        return peer;
    }

    @Override
    public Instant since() {
        return since;
    }

    @Override
    public String heloName() {
        return heloName;
    }

    @Override
    public boolean isExtended() {
        return extended;
    }

    @Override
    public SessionState state() {
        return state;
    }

    @Override
    public String fqdn() {
        return server.getHostName();
    }

    @Override
    public String mailFrom() {
        return envelope.mailFrom;
    }

    @Override
    public List<String> rcptTos() {
        return envelope.rcptTosSnapshot();
    }

    @Override
    public List<String> mailOptions() {
        return envelope.mailOptions;
    }

    @Override
    public List<String> rcptOptions() {
        return envelope.rcptOptionsSnapshot();
    }

    @Override
    public long bytesIn() {
        return input.bytesRead();
    }

    @Override
    public boolean isSecure() {
        return tls != null;
    }

    @Override
    public String tlsProtocol() {
        return tls != null ? tls.getProtocol() : null;
    }

    @Override
    public String tlsCipher() {
        return tls != null ? tls.getCipherSuite() : null;
    }

    @Override
    public String authenticatedUser() {
        return authenticatedUser;
    }

    @Override
    public String outcome() {
        return outcome;
    }

    /** Records how the session ended; the first reason wins. */
    void ended(String reason) {
        if (outcome == null) {
            outcome = reason;
        }
    }

    @Override
    public SmtpServer server() {
        return server;
    }

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    @Override
    public void resetTransaction() {
        abortTransaction();
    }

    @Override
    public void close() {
        closeRequested = true;
    }

    @Override
    public String toString() {
        return "Session[" + id + ", " + peer + "]";
    }
}
