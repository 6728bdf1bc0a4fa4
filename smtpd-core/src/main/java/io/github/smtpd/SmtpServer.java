package io.github.smtpd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import io.github.smtpd.internal.Acceptor;
import io.github.smtpd.internal.BuiltinCommands;
import io.github.smtpd.internal.Listeners;
import io.github.smtpd.internal.ServerDefaults;
import io.github.smtpd.internal.ServerSockets;
import io.github.smtpd.internal.SessionRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SMTP server, Python smtpd's {@code SMTPServer}: it accepts connections, runs their sessions on its event
 * loops, and hands every message to a {@link MessageProcessor}, on the given {@link Executor} by default.
 *
 * <pre>{@code
 * SmtpServer server = SmtpServer.builder()
 *         .localAddress("localhost:8025")
 *         .messageProcessor(message -> { System.out.println(message); return null; })
 *         .build();
 * server.start();
 * }</pre>
 *
 * A server is immutable once built, its settings one record ({@link #settings()}); {@link #start()} binds and
 * starts its threads (event loops, the first of which accepts), and {@link #stop(Duration)} drains it.
 */
public final class SmtpServer {

    /** smtpd's {@code DATA_SIZE_DEFAULT}: 32 MiB. */
    public static final long DEFAULT_DATA_SIZE_LIMIT = 33554432L;

    private static final Logger logger = LoggerFactory.getLogger(SmtpServer.class);

    private static final AtomicInteger serverCounter = new AtomicInteger();

    /** What the server was built with: its sessions read it; see {@link #settings()}. */
    private final ServerSettings settings;

    private volatile Executor executor;

    /** The handler given to the builder, its hooks that may block adapted to run on the executor. */
    private final SmtpHandler handler;

    private volatile ServerSocket implicitTlsSocket;

    private final SmtpServerListener listener;

    private final SessionRegistry sessions;

    private final String idPrefix;

    private final Object lifecycleMonitor = new Object();

    private volatile ServerSocket serverSocket;

    /** Takes the connections while the server runs; {@code null} when stopped. */
    private volatile Acceptor acceptor;

    private volatile boolean running;

    private volatile boolean paused;

    private SmtpServer(Builder builder) {
        // Contradictory settings are reported before a missing handler, as they always were.
        this.settings = builder.settings();
        if (builder.handler == null) {
            throw new IllegalStateException("A messageProcessor (or handler) is required: it receives every message");
        }
        // Hooks that may block run on the executor, so every session can wait for its client on an event loop.
        this.handler = io.github.smtpd.internal.BlockingHooks.adapt(builder.handler);
        this.listener = Listeners.composite(builder.listeners);
        this.sessions = new SessionRegistry(settings.authFailureLimit(), settings.authFailureWindow());
        this.idPrefix = Integer.toString(serverCounter.incrementAndGet(), 36);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the listening socket and starts accepting on a dedicated non-daemon thread (the first event loop).
     *
     * @throws PortInUseException when the port is taken
     * @throws SmtpServerException when the address can not be bound for another reason
     */
    public void start() {
        synchronized (lifecycleMonitor) {
            if (running) {
                return;
            }
            ServerSocket socket = ServerSockets.bind(settings.localAddress(), false, settings.backlog());
            ServerSocket tlsSocket = ServerSockets.bindImplicitTls(socket, settings.implicitTlsAddress(),
                    settings.backlog());
            serverSocket = socket;
            implicitTlsSocket = tlsSocket;
            // Bound, so this is the one server on its address: what a crash left in its spool goes now.
            io.github.smtpd.internal.SpillFiles.removeLeftovers(settings.spoolDirectory());
            executor = (settings.executor() != null) ? settings.executor() : ServerDefaults.executor();
            sessions.open();
            running = true;
            paused = false;
            Acceptor started = new Acceptor(this, handler, listener, sessions, executor, idPrefix, () -> paused);
            try {
                started.start(socket, tlsSocket);
            }
            catch (IOException ex) {
                running = false;
                ServerSockets.closeQuietly(socket);
                ServerSockets.closeQuietly(tlsSocket);
                throw new SmtpServerException("SMTP server failed to start: could not watch "
                        + ServerSockets.format(getLocalAddress()) + " with " + settings.eventLoops()
                        + " event loop(s)", ex);
            }
            acceptor = started;
            logger.info("SMTP server started on {} ({})", ServerSockets.format(getLocalAddress()), settings.hostName());
        }
    }

    /** Stops with a grace period of 30 seconds. */
    public void stop() {
        stop(Duration.ofSeconds(30));
    }

    /**
     * Stops accepting, lets transactions in progress finish for up to {@code grace}, then closes every
     * remaining session with {@code 421}. Idle sessions are closed with {@code 421} at once.
     */
    public void stop(Duration grace) {
        Acceptor stopping;
        synchronized (lifecycleMonitor) {
            if (!running && serverSocket == null) {
                return;
            }
            running = false;
            ServerSockets.closeQuietly(serverSocket);
            ServerSockets.closeQuietly(implicitTlsSocket);
            stopping = acceptor;
        }
        if (stopping != null) {
            stopping.stopAccepting();
        }
        sessions.drain(grace);
        if (stopping != null) {
            // Closing a loop's selector also closes for good the listener it watched, releasing the port.
            stopping.stopLoops();
        }
        if (settings.executor() == null) {
            ServerDefaults.shutDown(executor);
        }
        synchronized (lifecycleMonitor) {
            serverSocket = null;
            acceptor = null;
            implicitTlsSocket = null;
        }
        logger.info("SMTP server stopped");
    }

    /** Stops accepting new sessions (they get 421) while running sessions go on; for rolling restarts. */
    public void pause() {
        paused = true;
    }

    /** Accepts new sessions again after {@link #pause()}. */
    public void resume() {
        paused = false;
    }

    public boolean isPaused() {
        return paused;
    }

    /** Whether the listener is bound and the event loop that accepts still takes connections. */
    public boolean isRunning() {
        Acceptor current = acceptor;
        return running && current != null && current.isAccepting();
    }

    /**
     * The address the server listens on; after {@link #start()} this has the actual port when port 0 was asked.
     */
    public InetSocketAddress getLocalAddress() {
        ServerSocket socket = serverSocket;
        if (socket != null && socket.isBound()) {
            return new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
        }
        return settings.localAddress();
    }

    /** The implicit TLS (RFC 8314) listener's address, or {@code null} when there is none. */
    public InetSocketAddress getImplicitTlsAddress() {
        ServerSocket socket = implicitTlsSocket;
        if (socket != null && socket.isBound()) {
            return new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
        }
        return settings.implicitTlsAddress();
    }

    /** The bound port, or the configured one before {@link #start()}. */
    public int getPort() {
        return getLocalAddress().getPort();
    }

    /** The sessions currently connected. */
    public Collection<SmtpSession> getSessions() {
        return List.copyOf(sessions.active());
    }

    /** What this server was built with: its settings, immutable. */
    public ServerSettings settings() {
        return settings;
    }

    /** Builds an immutable {@link SmtpServer}; every setting has smtpd's default or a safe one. */
    public static final class Builder {

        private InetSocketAddress localAddress = InetSocketAddress.createUnresolved("localhost", 8025);

        private InetSocketAddress remoteAddress;

        private long dataSizeLimit = DEFAULT_DATA_SIZE_LIMIT;

        private boolean enableSmtpUtf8;

        private boolean decodeData;

        private String hostName;

        private Executor executor;

        private SmtpHandler handler;

        private int maxSessions = 1000;

        private int maxSessionsPerClient = 50;

        private List<Cidr> clientLimitExceptions = List.of();

        private Duration stressTimeout = Duration.ofSeconds(10);

        private int minDataRate = 500;

        private int maxRecipients = 1000;

        private int maxBadCommands = 20;

        private Duration idleTimeout = Duration.ofMinutes(5);

        private int spoolThreshold = 1024 * 1024;

        private Path spoolDirectory = Path.of(System.getProperty("java.io.tmpdir"));

        private int backlog = 256;

        private Protocol protocol = Protocol.SMTP;

        private boolean enhancedStatusCodes = true;

        private boolean receivedHeader = true;

        private boolean nonBlockingProcessors;

        private int eventLoops = ServerDefaults.eventLoops();

        private List<Cidr> trustedProxies;

        private Supplier<SSLContext> sslContext;

        private List<String> tlsProtocols;

        private List<String> tlsCiphers;

        private TlsClientAuth tlsClientAuth = TlsClientAuth.NONE;

        private Executor tlsTaskExecutor;

        private boolean requireTls;

        private InetSocketAddress implicitTlsAddress;

        private SmtpAuthenticator authenticator;

        private boolean requireAuth;

        private boolean allowPlaintextAuth;

        private Duration authFailureDelay = Duration.ofSeconds(1);

        private int authFailureLimit = 10;

        private Duration authFailureWindow = Duration.ofMinutes(10);

        private Duration dataTimeout = Duration.ofMinutes(10);

        private LineEndingPolicy lineEndingPolicy = LineEndingPolicy.ALLOW;

        private int maxDataLineLength;

        private final Map<String, SmtpCommand> commands = new LinkedHashMap<>();

        private final List<SmtpServerListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** smtpd's {@code localaddr} as {@code host:port}; port 0 picks a free port. Default {@code localhost:8025}. */
        public Builder localAddress(String hostPort) {
            HostPort parsed = HostPort.parse(hostPort);
            this.localAddress = InetSocketAddress.createUnresolved(parsed.host(), parsed.port());
            return this;
        }

        public Builder localAddress(InetSocketAddress address) {
            this.localAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** smtpd's {@code remoteaddr}: the upstream, visible to processors; {@code null} for none. */
        public Builder remoteAddress(String hostPort) {
            if (hostPort == null) {
                this.remoteAddress = null;
                return this;
            }
            HostPort parsed = HostPort.parse(hostPort);
            this.remoteAddress = InetSocketAddress.createUnresolved(parsed.host(), parsed.port());
            return this;
        }

        public Builder remoteAddress(InetSocketAddress address) {
            this.remoteAddress = address;
            return this;
        }

        /** Largest accepted message in bytes, advertised as SIZE; 0 means unlimited. Default 33554432. */
        public Builder dataSizeLimit(long bytes) {
            this.dataSizeLimit = bytes;
            return this;
        }

        /** smtpd's {@code enable_SMTPUTF8}. */
        public Builder enableSmtpUtf8(boolean enable) {
            this.enableSmtpUtf8 = enable;
            return this;
        }

        /** smtpd's {@code decode_data}: processors get text, and 8BITMIME is not offered. */
        public Builder decodeData(boolean decode) {
            this.decodeData = decode;
            return this;
        }

        /** The name in the greeting and EHLO reply; default the machine's fully qualified name. */
        public Builder hostName(String hostName) {
            this.hostName = hostName;
            return this;
        }

        /**
         * Processes messages (unless {@link #nonBlockingProcessors}), runs a handler's hooks that may block, the
         * authenticator and the application's own commands, while their sessions wait on the event loops. Default
         * a dedicated pool with a thread per task, never a queue.
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** The hook that receives every message. */
        public Builder messageProcessor(MessageProcessor processor) {
            this.handler = SmtpHandler.of(Objects.requireNonNull(processor, "processor"));
            return this;
        }

        /** Hooks on every step of a transaction, for modes that decide MAIL and RCPT live. */
        public Builder handler(SmtpHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Sessions at once; more get 421. Default 1000. */
        public Builder maxSessions(int maxSessions) {
            this.maxSessions = maxSessions;
            return this;
        }

        /** Sessions at once from one client address (421 4.7.0 past it); 0 for no limit. Default 50. */
        public Builder maxSessionsPerClient(int maxSessionsPerClient) {
            this.maxSessionsPerClient = maxSessionsPerClient;
            return this;
        }

        /**
         * Client networks exempt from the per-client limits (sessions per client, AUTH failures per client), as
         * Postfix exempts {@code $mynetworks} with {@code smtpd_client_event_limit_exceptions}: a local relay or
         * application sending many messages at once is not an attacker. Default none; the Spring Boot starter uses
         * {@code smtpd.relay.trusted-networks} (loopback).
         */
        public Builder clientLimitExceptions(List<Cidr> networks) {
            this.clientLimitExceptions = List.copyOf(networks);
            return this;
        }

        /**
         * The shorter timeout that replaces the idle and data timeouts while the server is under stress: sessions
         * at three quarters of {@code maxSessions} or more. Postfix uses 10 seconds then ({@code smtpd_timeout =
         * ${stress?10}:300}); so does this server by default.
         */
        public Builder stressTimeout(Duration timeout) {
            this.stressTimeout = timeout;
            return this;
        }

        /**
         * The minimum rate, in bytes per second, at which a client must send a message's data: inside DATA or a
         * BDAT chunk the data timeout is a deadline from its start that each byte received moves by
         * {@code 1/rate} seconds, so a client trickling a byte now and then is cut off however often it sends one
         * (Postfix's {@code smtpd_min_data_rate}). {@code 0} for no minimum (the data timeout then measures
         * silence only). Default 500, as Postfix.
         */
        public Builder minDataRate(int bytesPerSecond) {
            this.minDataRate = bytesPerSecond;
            return this;
        }

        /** Recipients in one transaction (452 past it). Default 1000. */
        public Builder maxRecipients(int maxRecipients) {
            this.maxRecipients = maxRecipients;
            return this;
        }

        /** Error replies a session may earn before it is closed with 421. Default 20. */
        public Builder maxBadCommands(int maxBadCommands) {
            this.maxBadCommands = maxBadCommands;
            return this;
        }

        /** How long a client may stay silent between commands before it gets 421. Default 5 minutes. */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
            return this;
        }

        /** Message bytes kept in memory; larger messages spill to a temporary file. Default 1 MiB. */
        public Builder spoolThreshold(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("spoolThreshold must not be negative");
            }
            this.spoolThreshold = bytes;
            return this;
        }

        /** Where large messages spill; default the JVM's temporary directory. */
        public Builder spoolDirectory(Path directory) {
            this.spoolDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** The listen backlog. Default 256. */
        public Builder backlog(int backlog) {
            this.backlog = backlog;
            return this;
        }

        /** Adds a command, or replaces the built-in one with the same verb (smtpd's {@code smtp_<COMMAND>}). */
        public Builder command(String verb, SmtpCommand command) {
            Objects.requireNonNull(command, "command");
            if (verb == null || !verb.matches("[A-Za-z][A-Za-z0-9-]*")) {
                throw new IllegalArgumentException("A command verb is letters, digits and '-', was '" + verb + "'");
            }
            commands.put(io.github.smtpd.internal.Ascii.upper(verb), command);
            return this;
        }

        /** SMTP (default) or LMTP: LHLO instead of HELO/EHLO, and one reply per recipient after DATA. */
        public Builder protocol(Protocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /** Whether to offer ENHANCEDSTATUSCODES and put RFC 3463 codes in replies after EHLO. Default on. */
        public Builder enhancedStatusCodes(boolean enable) {
            this.enhancedStatusCodes = enable;
            return this;
        }

        /**
         * Promises that the handler's {@code onData} (the message processors) never blocks: no network or disk
         * I/O, no locks, no waiting. A message is then processed on the event loop thread that read it, as smtpd
         * and aiosmtpd do, instead of being handed to the executor and back, which saves two thread switches per
         * message (about a fifth of the server's CPU time per small message, measured). A processor that does
         * block would stall every session on that loop meanwhile. With several {@link #eventLoops} the processors
         * run on several threads at once, so they must be thread-safe as well. Default off.
         */
        public Builder nonBlockingProcessors(boolean nonBlocking) {
            this.nonBlockingProcessors = nonBlocking;
            return this;
        }

        /**
         * How many event loop threads serve the sessions, in the clear or under TLS, spread over them as they connect
         * (each loop is one thread with a selector; the first also accepts connections). Default half the
         * available processors, at least one. More loops let sessions' commands and DATA scans use more cores; on a
         * small machine one is best, as the cores are needed for message processing. Must be at least 1.
         */
        public Builder eventLoops(int count) {
            this.eventLoops = count;
            return this;
        }

        /** Whether to prepend a {@code Received:} header to every message (RFC 5321 4.4). Default on. */
        public Builder receivedHeader(boolean enable) {
            this.receivedHeader = enable;
            return this;
        }

        /**
         * Turns on the HAProxy PROXY protocol (v1 and v2): connections from these networks must start with a
         * PROXY header, and the client address it carries is the session's peer. Connections from elsewhere,
         * and malformed headers, are closed. {@code null} turns it off (the default).
         */
        public Builder proxyProtocol(List<Cidr> trustedProxies) {
            if (trustedProxies != null && trustedProxies.isEmpty()) {
                throw new IllegalArgumentException("The PROXY protocol needs at least one trusted proxy network");
            }
            this.trustedProxies = trustedProxies;
            return this;
        }

        /**
         * Turns on STARTTLS (RFC 3207). The supplier is asked at each handshake, so a reloaded certificate is
         * used from the next connection on.
         */
        public Builder sslContext(Supplier<SSLContext> sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /** Restricts the TLS protocols, e.g. {@code TLSv1.3}; default the context's. */
        public Builder tlsProtocols(List<String> protocols) {
            this.tlsProtocols = protocols;
            return this;
        }

        /** Restricts the cipher suites; default the context's. */
        public Builder tlsCiphers(List<String> ciphers) {
            this.tlsCiphers = ciphers;
            return this;
        }

        /** Whether to ask TLS clients for a certificate. Default {@link TlsClientAuth#NONE}. */
        public Builder tlsClientAuth(TlsClientAuth clientAuth) {
            this.tlsClientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
            return this;
        }

        /**
         * Where the TLS engines' slow handshake work runs (key exchange, signature, client certificate checks).
         * Default: a pool shared by the process, a thread per core. Give your own (e.g. a cached pool) when a key
         * or trust manager blocks (an HSM, OCSP or CRL fetches): on the shared pool its waits hold every other
         * handshake. The server does not shut it down.
         */
        public Builder tlsTaskExecutor(Executor executor) {
            this.tlsTaskExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Refuses MAIL before STARTTLS with {@code 530 5.7.0}. Default off. */
        public Builder requireTls(boolean require) {
            this.requireTls = require;
            return this;
        }

        /** A second listener speaking TLS from the first byte (RFC 8314, e.g. port 465). */
        public Builder implicitTlsAddress(String hostPort) {
            if (hostPort == null) {
                this.implicitTlsAddress = null;
                return this;
            }
            HostPort parsed = HostPort.parse(hostPort);
            this.implicitTlsAddress = InetSocketAddress.createUnresolved(parsed.host(), parsed.port());
            return this;
        }

        /** Turns on AUTH PLAIN and LOGIN (RFC 4954), decided by this authenticator. */
        public Builder authenticator(SmtpAuthenticator authenticator) {
            this.authenticator = authenticator;
            return this;
        }

        /** Refuses MAIL without AUTH with {@code 530 5.7.0}. Default off. */
        public Builder requireAuth(boolean require) {
            this.requireAuth = require;
            return this;
        }

        /** Offers AUTH without TLS, which sends passwords in the clear. Default off. */
        public Builder allowPlaintextAuth(boolean allow) {
            this.allowPlaintextAuth = allow;
            return this;
        }

        /**
         * Failed AUTH attempts one client address may make within {@code window}, counted across its sessions
         * (Postfix's anvil, as {@code smtpd_client_auth_rate_limit} counts AUTH commands): past it, AUTH is
         * answered {@code 454 4.7.0} without checking the credentials until the window that began with the first
         * failure ends, so reconnecting for every guess no longer resets the count. {@code 0} for no limit.
         * Default 10 per 10 minutes. The client limit exceptions do not apply: no client needs to guess.
         */
        public Builder authFailureLimit(int failures, Duration window) {
            if (failures < 0) {
                throw new IllegalArgumentException("authFailureLimit must be 0 (no limit) or positive");
            }
            if (window == null || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("authFailureWindow must be positive");
            }
            this.authFailureLimit = failures;
            this.authFailureWindow = window;
            return this;
        }

        /** Each failed AUTH in a session waits this much longer before its answer. Default 1 second. */
        public Builder authFailureDelay(Duration delay) {
            this.authFailureDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** How long a client may stay silent in the middle of DATA or BDAT. Default 10 minutes. */
        public Builder dataTimeout(Duration dataTimeout) {
            this.dataTimeout = Objects.requireNonNull(dataTimeout, "dataTimeout");
            return this;
        }

        /** What to do with a bare CR or LF in message data. Default {@link LineEndingPolicy#ALLOW}. */
        public Builder lineEndingPolicy(LineEndingPolicy policy) {
            this.lineEndingPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The longest line allowed in message data, without CRLF (RFC 5321 says 998); 0 for no limit (default). */
        public Builder maxDataLineLength(int length) {
            this.maxDataLineLength = length;
            return this;
        }

        /** Receives the server's events. */
        public Builder listener(SmtpServerListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the server.
         *
         * @throws IllegalArgumentException for contradictory settings, e.g. SMTPUTF8 with decode data
         * @throws IllegalStateException when no message processor was given
         */
        public SmtpServer build() {
            if (!Files.isDirectory(spoolDirectory)) {
                throw new IllegalArgumentException("spoolDirectory " + spoolDirectory + " is not a directory");
            }
            return new SmtpServer(this);
        }

        /** The settings as they stand, checked by {@link ServerSettings}'s constructor. */
        private ServerSettings settings() {
            Map<String, SmtpCommand> table = new LinkedHashMap<>(BuiltinCommands.table(protocol));
            table.putAll(commands);
            return new ServerSettings(localAddress, remoteAddress, dataSizeLimit, enableSmtpUtf8, decodeData,
                    hostName != null ? hostName : ServerDefaults.hostName(), executor, maxSessions, maxSessionsPerClient,
                    clientLimitExceptions, stressTimeout, minDataRate, maxRecipients, maxBadCommands, idleTimeout,
                    spoolThreshold, spoolDirectory, backlog, table, protocol, enhancedStatusCodes, receivedHeader,
                    nonBlockingProcessors, eventLoops, trustedProxies, sslContext, tlsProtocols, tlsCiphers,
                    tlsClientAuth, tlsTaskExecutor, requireTls, implicitTlsAddress, authenticator, requireAuth,
                    allowPlaintextAuth, authFailureDelay, authFailureLimit, authFailureWindow, dataTimeout,
                    lineEndingPolicy, maxDataLineLength);
        }
    }
}
