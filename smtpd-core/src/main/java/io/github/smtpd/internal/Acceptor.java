package io.github.smtpd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.ServerSettings;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpServerListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a running server's connections: accepts them on the first event loop, admits or refuses each one (paused,
 * full, the executor full: {@code 421}), starts its {@link Session} on a loop (behind a proxy, on the executor until
 * the PROXY header is read), and runs the watchdog that
 * expires sessions whose clients keep them waiting. One per {@link SmtpServer#start()}; the server binds and
 * unbinds the sockets and drains the sessions.
 */
public final class Acceptor {

    /** The server's logger: operators filter accept failures and refusals by it. */
    private static final Logger logger = LoggerFactory.getLogger(SmtpServer.class);

    /** The server, which its sessions show ({@code SmtpSession.server()}). */
    private final SmtpServer server;

    private final ServerSettings settings;

    private final SmtpHandler handler;

    private final SmtpServerListener listener;

    private final SessionRegistry sessions;

    private final Executor executor;

    private final String idPrefix;

    private final BooleanSupplier paused;

    /** Threads that run the sessions while they wait for their clients. */
    private volatile EventLoop[] eventLoops = new EventLoop[0];

    private final AtomicInteger nextLoop = new AtomicInteger();

    private volatile boolean accepting = true;

    private volatile Thread watchdogThread;

    /**
     * @param paused whether the server is paused: new connections are refused while it is
     */
    public Acceptor(SmtpServer server, SmtpHandler handler, SmtpServerListener listener, SessionRegistry sessions,
            Executor executor, String idPrefix, BooleanSupplier paused) {
        this.server = server;
        this.settings = server.settings();
        this.handler = handler;
        this.listener = listener;
        this.sessions = sessions;
        this.executor = executor;
        this.idPrefix = idPrefix;
        this.paused = paused;
    }

    /**
     * Starts taking connections from the bound {@code socket} (and {@code implicitTlsSocket}, or {@code null}) on
     * the first event loop, and the watchdog.
     *
     * @throws IOException when the event loops can not be started (no selector: out of file descriptors); those
     *         started are stopped again
     */
    public void start(ServerSocket socket, ServerSocket implicitTlsSocket) throws IOException {
        try {
            startEventLoops(socket);
        }
        catch (IOException | java.io.UncheckedIOException ex) {
            accepting = false;
            stopLoops();
            throw (ex instanceof IOException io) ? io : new IOException(ex);
        }
        Thread watchdog = new Thread(this::watchTimeouts, "smtpd-timeouts-" + socket.getLocalPort());
        watchdog.setDaemon(true);
        watchdogThread = watchdog;
        watchdog.start();
        if (implicitTlsSocket != null) {
            // The handshake runs on the loops too (TlsTransport): so does accepting.
            EventLoop first = eventLoops[0];
            implicitAcceptKey = first.registerAcceptor(implicitTlsSocket.getChannel(),
                    () -> acceptReady(implicitTlsSocket, first, true));
        }
    }

    /** Stops taking connections (the server has closed its sockets) and the watchdog. */
    public void stopAccepting() {
        accepting = false;
        Thread watchdog = watchdogThread;
        if (watchdog != null) {
            watchdog.interrupt();
            watchdogThread = null;
        }
    }

    /** Stops the event loops, once the sessions have drained; closing a selector releases the port it watched. */
    public void stopLoops() {
        for (EventLoop loop : eventLoops) {
            loop.stop();
        }
        eventLoops = new EventLoop[0];
        acceptKey = null;
        implicitAcceptKey = null;
    }

    /** Whether connections are still being taken: the loop's listener key valid. */
    public boolean isAccepting() {
        java.nio.channels.SelectionKey key = acceptKey;
        return accepting && key != null && key.isValid();
    }

    /** The listener's key on the first event loop, when the loop accepts. */
    private volatile java.nio.channels.SelectionKey acceptKey;

    /** The implicit TLS listener's key on the first event loop, when the loop accepts. */
    private volatile java.nio.channels.SelectionKey implicitAcceptKey;

    private volatile long lastAcceptWarning;

    /** Logs a failed accept, at most every ten seconds: under "too many open files" it fails on every try. */
    private void warnAcceptFailed(ServerSocket socket, IOException ex) {
        long now = System.nanoTime();
        if (lastAcceptWarning == 0 || now - lastAcceptWarning > 10_000_000_000L) {
            logger.warn("SMTP listener on port {} could not accept a connection: {}", socket.getLocalPort(),
                    ex.toString());
            lastAcceptWarning = now;
        }
    }

    /**
     * Starts the event loops, the first of which accepts. Each loop started is in {@link #eventLoops} at once, so
     * that a failure part-way (no selector: out of file descriptors) can stop the ones already running.
     */
    private void startEventLoops(ServerSocket socket) throws IOException {
        eventLoops = new EventLoop[0];
        for (int i = 0; i < settings.eventLoops(); i++) {
            EventLoop loop = new EventLoop("smtpd-loop-" + socket.getLocalPort() + "-" + i);
            loop.start();
            EventLoop[] started = Arrays.copyOf(eventLoops, i + 1);
            started[i] = loop;
            eventLoops = started;
        }
        EventLoop first = eventLoops[0];
        acceptKey = first.registerAcceptor(socket.getChannel(), () -> acceptReady(socket, first, false));
    }

    /** On the event loop: accepts the connections waiting, a bounded batch so that sessions are served too. */
    private void acceptReady(ServerSocket socket, EventLoop loop, boolean implicitTls) {
        for (int i = 0; i < 64 && accepting; i++) {
            java.nio.channels.SocketChannel client;
            try {
                client = socket.getChannel().accept();
            }
            catch (IOException ex) {
                if (!accepting || socket.isClosed()) {
                    return;
                }
                // Usually "too many open files": passing, as sessions end. Stop watching the listener for a
                // moment rather than spin on it.
                warnAcceptFailed(socket, ex);
                java.nio.channels.SelectionKey key = implicitTls ? implicitAcceptKey : acceptKey;
                if (key != null && key.isValid()) {
                    key.interestOps(0);
                    loop.schedule(() -> {
                        if (key.isValid()) {
                            key.interestOps(java.nio.channels.SelectionKey.OP_ACCEPT);
                        }
                    }, 100);
                }
                return;
            }
            if (client == null) {
                return;
            }
            admit(client, implicitTls);
        }
    }

    /**
     * Disconnects clients that keep a session waiting too long. One thread checks every session a few times per
     * timeout, rather than each read carrying a socket timeout, which costs system calls on every read.
     */
    private void watchTimeouts() {
        long shortest = Math.min(Math.min(settings.idleTimeout().toMillis(), settings.dataTimeout().toMillis()),
                settings.stressTimeout().toMillis());
        long interval = Math.max(10, Math.min(1000, shortest / 4));
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(interval);
            }
            catch (InterruptedException ex) {
                return;
            }
            long now = System.nanoTime();
            boolean stressed = sessions.count() >= stressSessions();
            for (Session session : sessions.active()) {
                session.timeouts().expireIfIdle(now, stressed);
            }
        }
    }

    /** Sessions from which on the server is under stress: three quarters of the limit. */
    private int stressSessions() {
        int maxSessions = settings.maxSessions();
        return Math.max(1, maxSessions - maxSessions / 4);
    }

    private void admit(java.nio.channels.SocketChannel channel, boolean implicitTls) {
        Socket client = channel.socket();
        InetSocketAddress peer = (InetSocketAddress) client.getRemoteSocketAddress();
        String refusal = paused.getAsBoolean() ? "paused" : sessions.tryAdmit(settings.maxSessions());
        if ("max-sessions".equals(refusal) && sessions.shedFor(peer.getAddress(), System.nanoTime())) {
            // Full, but a session had stalled on its client: it goes, so a slow flood cannot keep everyone out.
            refusal = null;
        }
        if (refusal != null) {
            refuse(client, peer, refusal);
            return;
        }
        EventLoop[] loops = eventLoops;
        if (loops.length == 0) {
            // Stopped while this connection was being accepted.
            sessions.release();
            refuse(client, peer, "shutdown");
            return;
        }
        EventLoop loop = loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)];
        Session session;
        boolean proxied = settings.trustedProxies() != null;
        try {
            client.setTcpNoDelay(true);
            // Behind a proxy the header is read blocking first (Session.openBehindProxy).
            channel.configureBlocking(proxied);
            session = new Session(server, channel, idPrefix + "-" + sessions.nextId(), handler, listener, sessions,
                    loop, executor, implicitTls);
        }
        catch (IOException ex) {
            sessions.release();
            ServerSockets.closeQuietly(client);
            return;
        }
        if (!proxied) {
            loop.execute(session::openOnLoop);
            return;
        }
        try {
            executor.execute(session::openBehindProxy);
        }
        catch (RejectedExecutionException ex) {
            sessions.release();
            refuse(client, peer, "executor");
        }
    }

    /**
     * Refuses a connection before any session exists: paused or stopping, or full (sessions, executor). A client
     * over its own limit is refused by its session instead, once a PROXY header may have named the real client.
     */
    private void refuse(Socket client, InetSocketAddress peer, String reason) {
        Reply reply = "paused".equals(reason) || "shutdown".equals(reason)
                ? Reply.of(421, "4.3.2", settings.hostName() + " Service not available, try again later")
                : Reply.of(421, "4.3.2", settings.hostName() + " Error: too many connections, try again later");
        try {
            client.setSoTimeout(1000);
            client.getOutputStream().write(reply.toWire(false).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
        }
        catch (IOException ex) {
            // The client is gone already; nothing to tell it.
        }
        finally {
            ServerSockets.closeQuietly(client);
        }
        logger.debug("Refused connection from {}: {}", peer, reason);
        listener.connectionRejected(peer, reason);
    }

}
