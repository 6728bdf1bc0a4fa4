package io.github.smtpd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.smtpd.Reply;
import io.github.smtpd.ServerSettings;
import io.github.smtpd.SessionState;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.SmtpSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One client connection, smtpd's {@code SMTPChannel}: its state and its life from admission to the end. It keeps
 * the transaction state in an {@link Envelope}, filled by {@link EnvelopeCommands} (MAIL, RCPT) and consumed by
 * {@link MessageIntake} (DATA, BDAT); {@link ConnectionCommands} has the others. An {@link EventLoop} runs it
 * while it waits for its client ({@link LoopDriver}, with {@link Suspension} while a deferred hook answers); a
 * message, a command of the application's and a hook that may block run on the executor, and the session comes
 * back to its loop after them. Each command line goes through the {@link Dispatcher}, replies through {@link SessionOutput}, TLS starts in
 * {@link TlsSwitch}, and the watchdog's checks are {@link SessionTimeouts}. Only {@link #hardClose()} and the
 * timeouts (with the stop's {@code shutdownRequested} and {@code forceClose}) are called from another thread.
 */
public final class Session implements SmtpSession {

    private static final Logger logger = LoggerFactory.getLogger(Session.class);

    private final SmtpServer server;

    /** The server's settings, read by every part of the session. */
    private final ServerSettings settings;

    private final String id;

    final SmtpHandler handler;

    final SmtpServerListener listener;

    private final SessionRegistry registry;

    private volatile InetSocketAddress peer;

    private boolean clientAdmitted;

    private final Instant since = Instant.now();

    private final SmtpInput input;

    final boolean implicitTls;

    private volatile javax.net.ssl.SSLSession tls;

    private volatile String authenticatedUser;

    private int authFailures;

    /** The last AUTH exchange; touched by whoever owns the session ({@link Owner}). */
    private Auth auth;

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

    private final SessionOutput output;

    private final SessionTimeouts timeouts;

    private final Dispatcher dispatcher;

    private final LoopDriver driver;


    private final Suspension suspension;

    private final TlsSwitch tlsSwitch;

    /** Who drives the session now: which thread may touch it, and who ends it when its connection is closed. */
    enum Owner {
        /** Its event loop: it waits for its client, or runs commands that never block. */
        LOOP,
        /** A thread of the executor, which gives it back to the loop or ends it: a message, a command of the
         * application's, a PROXY header being read. */
        EXECUTOR,
        /** Nobody: it waits for an asynchronous hook's or the authenticator's answer, which resumes it on its loop. */
        ANSWER
    }

    /** Written by the thread that owns the session when it hands it over; read by others (hardClose). */
    volatile Owner owner = Owner.LOOP;

    /*
     * Beside the owner, two requests that hold whoever owns the session: to close once the replies are out, and
     * whether it idles between commands (a stop closes it at once then).
     */

    /** Set when the session is to end once its replies are out (QUIT, too many errors, a failed handshake). */
    volatile boolean closeRequested;

    /** Whether the session waits for a command with nothing pending, so a stop may close it at once. */
    volatile boolean waitingForCommand;

    private volatile String outcome;

    /** The accepted connection, under any TLS layer: what other threads close. */
    final Socket rawSocket;

    /** Whether listeners were told of this session, so they hear of its end only then. */
    private boolean opened;

    /** The loop that runs this session while it waits for its client. */
    final EventLoop loop;

    final java.nio.channels.SocketChannel channel;

    /** Where the session's messages, its application's commands and its blocking hooks run. */
    final java.util.concurrent.Executor executor;

    java.nio.channels.SelectionKey key;

    /** Where an asynchronous handler does this session's blocking work, one task at a time. */
    private final SerialWork work;

    private final java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * A session that an {@link EventLoop} runs while it waits for its client; {@code channel} is non-blocking.
     * Its messages, its application's commands and its blocking hooks run on {@code executor}.
     */
    public Session(SmtpServer server, java.nio.channels.SocketChannel channel, String id, SmtpHandler handler,
            SmtpServerListener listener, SessionRegistry registry, EventLoop loop, java.util.concurrent.Executor executor,
            boolean implicitTls) throws IOException {
        Socket socket = channel.socket();
        this.implicitTls = implicitTls;
        this.rawSocket = socket;
        this.server = server;
        this.settings = server.settings();
        this.id = id;
        this.handler = handler;
        this.listener = listener;
        this.registry = registry;
        this.peer = (InetSocketAddress) socket.getRemoteSocketAddress();
        this.loop = loop;
        this.channel = channel;
        this.executor = executor;
        this.work = new SerialWork(executor, loop);
        this.output = new SessionOutput(new ChannelOutput(channel));
        this.input = new SmtpInput(null, 16384, output::flush);
        this.input.pooledBy(loop);
        this.timeouts = new SessionTimeouts(this, settings, input, output, socket);
        this.dispatcher = new Dispatcher(this, settings);
        this.driver = new LoopDriver(this, settings);
        this.suspension = new Suspension(this);
        this.tlsSwitch = new TlsSwitch(this);
        this.envelopeCommands = new EnvelopeCommands(this);
        this.connectionCommands = new ConnectionCommands(this);
        this.intake = new MessageIntake(this);
    }

    /** Reads a PROXY header where one is due, and counts the client in; false when it is refused. */
    private boolean admit() throws IOException {
        timeouts.setTimeout(settings.idleTimeout());
        if (settings.trustedProxies() != null) {
            InetSocketAddress client = ProxyProtocolHeader.readTrusted(this, input, listener);
            if (client == null) {
                ended("rejected");
                return false;
            }
            peer = client;
        }
        int perClient = settings.isClientLimited(peer.getAddress()) ? settings.maxSessionsPerClient() : 0;
        if (!registry.admitClient(peer.getAddress(), perClient)) {
            ended("rejected");
            reply(Reply.of(421, "4.7.0", settings.hostName() + " Error: too many connections from your address"));
            listener.connectionRejected(peer, "per-client");
            return false;
        }
        clientAdmitted = true;
        return true;
    }

    /** Says 220, unless the server is stopping; whether the session goes on. */
    boolean greet() {
        if (saidGoodbyeForShutdown()) {
            return false;
        }
        reply(Reply.of(220, settings.hostName()
                + (settings.protocol() == io.github.smtpd.Protocol.LMTP ? " LMTP" : " ESMTP") + " smtpd for Java"));
        opened = true;
        listener.sessionOpened(this);
        return true;
    }

    /** Records why the session failed, and says goodbye where that is still possible. */
    void failed(Throwable ex) {
        if (ex instanceof SocketTimeoutException) {
            // Only a TLS handshake reads with a socket timeout; before an implicit TLS handshake, plain text
            // would be garbage to the client.
            ended("timeout");
            if (!implicitTls || tls != null) {
                replyQuietly(Reply.of(421, "4.4.2", settings.hostName() + " Error: timeout exceeded"));
            }
        }
        else if (ex instanceof IOException || ex instanceof java.io.UncheckedIOException
                || ex instanceof java.nio.channels.CancelledKeyException || output.isClosed()) {
            // A cancelled key means another thread closed the connection (the watchdog, a stop).
            endedByClientOrStop();
            logger.debug("Session {} with {} ended: {}", id, peer, ex.toString());
        }
        else {
            ended("error");
            logger.error("Session {} with {} failed", id, peer, ex);
            replyQuietly(Reply.of(421, "4.3.0", settings.hostName() + " Error: internal server error, closing"));
        }
    }

    /** Ends the session once, on whichever thread runs it last: goodbye, hooks, socket, counts and listeners. */
    void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        Reply reason = timeouts.closeReason();
        if (reason != null && !output.farewellSent() && !output.isClosed()) {
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
        output.flushQuietly();
        output.close(this::closeConnection);
        if (!loop.inLoop()) {
            // A channel still registered is closed by the loop's next selection; make it come.
            loop.wakeup();
        }
        else if (!suspension.isSuspended()) {
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

    /** Closes the TLS layer, then the channel: through the loop when it still watches it, under the write lock. */
    private void closeConnection() throws IOException {
        TlsTransport transport = tlsSwitch.transport();
        if (transport != null) {
            transport.closeQuietly();
        }
        if (key != null && key.isValid() && loop.inLoop()) {
            loop.close(key, channel);
        }
        else {
            rawSocket.close();
        }
    }

    /** Whether the session has ended (see {@link #finish()}). */
    boolean isFinished() {
        return finished.get();
    }

    // ---- Event-driven sessions: run by an EventLoop while they wait for their client ----

    /** A piece of a session's work; an I/O failure ends the session. */
    interface Step {
        void run() throws IOException;
    }

    /** Runs {@code step} for this session with its id in the log context; a failure ends the session. */
    void step(Step step) {
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
        // Until it is on the loop, this thread ends the session, not the loop (see hardClose).
        owner = Owner.EXECUTOR;
        registry.started(this);
        step(() -> {
            input.waitOn(rawSocket.getInputStream());
            if (!admit()) {
                finish();
                return;
            }
            input.waitOn(null);
            channel.configureBlocking(false);
            owner = Owner.LOOP;
            loop.execute(() -> step(this::joinLoop));
        });
    }

    /** Registers with the loop, then greets the client, or first does the implicit TLS handshake. */
    private void joinLoop() throws IOException {
        key = loop.register(channel, this);
        if (implicitTls) {
            tlsSwitch.startTransport(input.takeBuffered());
            tlsSwitch.continueHandshake();
            return;
        }
        if (!greet()) {
            finish();
            return;
        }
        driver.processInput();
    }

    /** Where the client's bytes are read from: the TLS layer once there is one, else the channel. */
    java.nio.channels.ReadableByteChannel readChannel() {
        TlsTransport transport = tlsSwitch.transport();
        return transport != null ? transport : channel;
    }

    /**
     * Between commands, a stopping server closes each session that has no transaction open, with {@code 421}
     * (a transaction in progress may finish first); the one check every path between commands makes.
     *
     * @return whether the session said goodbye and must close
     */
    boolean saidGoodbyeForShutdown() {
        if (!registry.isDraining() || inTransaction()) {
            return false;
        }
        ended("shutdown");
        reply(Replies.shuttingDown(settings.hostName()));
        return true;
    }

    /** The connection ended under the session: a stop closed it, or the client went away. */
    void endedByClientOrStop() {
        ended(registry.isDraining() ? "shutdown" : "disconnected");
    }

    // ---- TLS and AUTH ----

    /** The TLS handshake succeeded with this session. */
    void secured(javax.net.ssl.SSLSession tls) {
        this.tls = tls;
    }

    /** RFC 4954 AUTH with PLAIN or LOGIN; failed attempts count against the client in {@code registry} too. */
    void auth(String argument) {
        auth = new Auth(this, settings, registry.authFailures());
        auth.run(argument);
    }

    /** The AUTH exchange whose challenge the client's next line answers, or {@code null}. */
    Auth pendingAuth() {
        return auth != null && auth.awaitsLine() ? auth : null;
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
        output.write(reply, extended && settings.enhancedStatusCodes());
    }

    private void replyQuietly(Reply reply) {
        try {
            reply(reply);
        }
        catch (RuntimeException ex) {
            // The client is gone; there is no one to tell.
        }
    }

    /** A reply sent as it is, without an enhanced status code (RFC 2034: the EHLO reply carries none). */
    void replyWithoutEnhancedCode(Reply reply) {
        output.write(reply, false);
    }

    // ---- Ending from other threads ----

    /** Closes the plain socket under any TLS layer, which unblocks a write to a client that does not read. */
    void hardClose() {
        // Whoever owns the session runs nothing more of what the client sent (pipelined commands behind the
        // one that ran on the executor), and ends it.
        closeRequested = true;
        output.markClosed();
        try {
            rawSocket.close();
        }
        catch (IOException ex) {
            // Closed already.
        }
        // A closed channel leaves the selector without a word: the loop must end a session parked there.
        loop.execute(() -> {
            // Not while a processor runs on the executor (it replies and ends the session itself); but a
            // session waiting for a deferred hook ends now: its answer may never come (an upstream that says
            // nothing), and it finds the session ended when it does.
            if (owner != Owner.EXECUTOR) {
                step(this::finish);
            }
        });
    }

    // ---- The session's parts, for one another and for the commands ----

    /** The loop that runs this session: it lends the session its bulk buffers. */
    EventLoop loop() {
        return loop;
    }

    /** The executor for an asynchronous handler's blocking work in this session. */
    SerialWork work() {
        return work;
    }

    void setState(SessionState state) {
        this.state = state;
    }

    /** The command input, in the clear or decrypted. */
    SmtpInput input() {
        return input;
    }

    ServerSettings settings() {
        return settings;
    }

    SessionOutput output() {
        return output;
    }

    /** What the watchdog and the acceptor check and end from their threads. */
    SessionTimeouts timeouts() {
        return timeouts;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    LoopDriver driver() {
        return driver;
    }

    Suspension suspension() {
        return suspension;
    }

    TlsSwitch tlsSwitch() {
        return tlsSwitch;
    }

    /** MAIL and RCPT, for the command table. */
    EnvelopeCommands envelopeCommands() {
        return envelopeCommands;
    }

    ConnectionCommands connectionCommands() {
        return connectionCommands;
    }

    /** DATA and BDAT, for the command table. */
    MessageIntake intake() {
        return intake;
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
        return settings.hostName();
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
