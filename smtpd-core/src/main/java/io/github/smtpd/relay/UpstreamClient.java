package io.github.smtpd.relay;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.github.smtpd.HostPort;
import io.github.smtpd.Protocol;
import io.github.smtpd.Reply;
import io.github.smtpd.internal.EventLoop;
import io.github.smtpd.internal.Replies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to an upstream SMTP or LMTP server, driven one command at a time: the relay modes open it
 * when a transaction starts and forward MAIL, each RCPT and the data through it, so that the client hears the
 * upstream's own verdict on each.
 *
 * <p>{@link #connect} tries the configured addresses in order, greets with EHLO (HELO when EHLO is refused) or
 * LHLO, upgrades with STARTTLS as configured and authenticates with AUTH PLAIN or LOGIN. Every failure of the
 * connection (refused, timed out, dropped, garbled) becomes an {@link UpstreamException} with a 4xx reply for
 * the client; replies of the upstream itself, 4xx and 5xx included, are returned as they came.
 *
 * <p>Each command also has an asynchronous form, for a session on an event loop ({@link #useLoop}): there a
 * plain-text connection is driven by the loop itself, without a thread.
 *
 * <p>Not thread-safe: one session drives it, one command at a time.
 */
public final class UpstreamClient implements Closeable {

    private static final Logger logger = LoggerFactory.getLogger(UpstreamClient.class);

    static final Reply UNAVAILABLE = Reply.of(451, "4.4.1", "Upstream server unavailable, try again later");

    static final Reply LOST = Reply.of(451, "4.4.2", "Upstream connection lost, try again later");

    static final Reply TIMED_OUT = Reply.of(451, "4.4.2", "Upstream server timed out, try again later");

    static final Reply PROTOCOL_ERROR = Reply.of(451, "4.5.0", "Upstream server protocol error, try again later");

    static final Reply LOCAL_ERROR = Replies.localError();

    private final UpstreamOptions options;

    private final HostPort address;

    private final SocketChannel channel;

    private final Socket raw;

    private Socket socket;

    private BufferedInputStream bufferedIn;

    private ReplyReader reader;

    private Watchdog.TimedOutputStream timedOut;

    private OutputStream out;

    private Map<String, String> extensions = Map.of();

    /** What the upstream said while being set up, kept for {@link #greetings()}. */
    private Reply greeting;

    private Reply hello;

    /** The overall deadline, when the options set one ({@code null} for relaying). */
    private final Deadline deadline;

    private boolean secure;

    private int acceptedRecipients;

    private volatile UpstreamException failure;

    private volatile boolean closed;

    private volatile long lastReplyNanos = System.nanoTime();

    /** Set once the connection runs on an event loop ({@link #useLoop}): every exchange then goes through it. */
    private LoopConnection onLoop;

    /** The loop of the session that uses this connection, if any, and where blocking I/O goes instead of it. */
    private EventLoop loop;

    private Executor work;

    private UpstreamClient(UpstreamOptions options, HostPort address, SocketChannel channel, Deadline deadline)
            throws IOException {
        this.options = options;
        this.address = address;
        this.channel = channel;
        this.deadline = deadline;
        this.raw = channel.socket();
        use(raw);
    }

    /**
     * Connects to the first upstream address that works, greets it, and upgrades and authenticates as
     * configured.
     *
     * @param defaultHeloName the name to greet with when the options name none: this server's host name
     * @throws UpstreamException with {@code 451 4.4.1} when no address could be used; its message lists why,
     *         for the log; its cause is why the last address failed (a {@link DeadlineExceededException} when
     *         {@link UpstreamOptions#deadline()} passed) and its {@link UpstreamException#greetings()} what that
     *         address said
     */
    public static UpstreamClient connect(UpstreamOptions options, String defaultHeloName) throws UpstreamException {
        Objects.requireNonNull(options, "options");
        String heloName = options.heloName() != null ? options.heloName() : defaultHeloName;
        // One deadline for every address tried and the conversation after: it bounds the caller's wait.
        long deadlineAt = options.deadline() != null ? System.nanoTime() + options.deadline().toNanos() : 0;
        Tried tried = new Tried();
        for (HostPort address : options.addresses()) {
            if (options.deadline() != null && System.nanoTime() - deadlineAt >= 0) {
                tried.failed(address, new DeadlineExceededException(options.deadline(), null));
                break;
            }
            try {
                return open(options, address, heloName, options.startTls() != StartTls.DISABLED, deadlineAt, tried);
            }
            catch (OpportunisticTlsFailure ex) {
                logger.warn("STARTTLS with {} failed ({}); sending in clear text, as opportunistic TLS allows",
                        address, describe(ex.getCause()));
                try {
                    return open(options, address, heloName, false, deadlineAt, tried);
                }
                catch (IOException retry) {
                    tried.failed(address, retry);
                }
            }
            catch (IOException ex) {
                tried.failed(address, ex);
            }
        }
        throw tried.exhausted();
    }

    private static UpstreamClient open(UpstreamOptions options, HostPort address, String heloName, boolean tls,
            long deadlineAt, Tried tried) throws IOException {
        tried.heard = null;
        InetSocketAddress target = new InetSocketAddress(address.host(), address.port());
        if (target.isUnresolved()) {
            throw new UnknownHostException("unknown host " + address.host());
        }
        // A channel's socket, so that the connection can move onto an event loop once it is set up.
        SocketChannel channel = SocketChannel.open();
        Socket raw = channel.socket();
        Deadline deadline = options.deadline() != null ? Deadline.watch(raw, deadlineAt, options.deadline()) : null;
        UpstreamClient client = null;
        try {
            raw.connect(target, deadline != null ? deadline.shorten(options.connectTimeout())
                    : (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
            raw.setSoTimeout((int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis()));
            raw.setTcpNoDelay(true);
            client = new UpstreamClient(options, address, channel, deadline);
            client.start(heloName, tls);
            logger.debug("Connected to upstream {} ({}{})", address, options.protocol(),
                    client.secure ? ", TLS" : "");
            return client;
        }
        catch (IOException | RuntimeException ex) {
            closeQuietly(raw);
            if (client != null && client.greeting != null) {
                tried.heard = client.greetings();
            }
            if (deadline != null && deadline.passed()) {
                // The watchdog closed the socket under whatever was waiting: say why, not "socket closed".
                throw deadline.exceeded(ex);
            }
            throw ex;
        }
    }

    /** The addresses {@link #connect} gave up on and why, for the exception that says none could be used. */
    private static final class Tried {

        private final List<String> reasons = new ArrayList<>();

        private IOException last;

        /** What the address being tried said before it failed; {@code null} when it did not greet. */
        private Greetings heard;

        void failed(HostPort address, IOException why) {
            reasons.add(address + ": " + describe(why));
            last = why;
        }

        UpstreamException exhausted() {
            String why = "No upstream could be used: " + String.join("; ", reasons);
            logger.warn(why);
            return new UpstreamException(UNAVAILABLE, why, last, heard);
        }
    }

    private void start(String heloName, boolean tls) throws IOException {
        // Kept before a 421 can end the setup (in received), so that a health check can show it.
        greeting = reader.read();
        received(greeting);
        if (greeting.code() != 220) {
            throw new RefusedException("greeted with " + greeting);
        }
        hello(heloName);
        if (tls) {
            startTls(heloName);
        }
        if (options.hasCredentials()) {
            authenticate();
        }
    }

    private void hello(String heloName) throws IOException {
        Reply reply;
        if (options.protocol() == Protocol.LMTP) {
            reply = hello("LHLO", heloName);
        }
        else {
            reply = hello("EHLO", heloName);
            if (reply.isPermanentFailure()) {
                reply = hello("HELO", heloName);
                if (reply.code() == 250) {
                    extensions = Map.of();
                    return;
                }
            }
        }
        if (reply.code() != 250) {
            throw new RefusedException("answered the greeting with " + reply);
        }
        Map<String, String> offered = new LinkedHashMap<>();
        for (String line : reply.lines().subList(1, reply.lines().size())) {
            String trimmed = line.strip();
            int split = 0;
            while (split < trimmed.length() && trimmed.charAt(split) != ' ' && trimmed.charAt(split) != '=') {
                split++;
            }
            if (split > 0) {
                String keyword = trimmed.substring(0, split).toUpperCase(Locale.ROOT);
                offered.put(keyword, split < trimmed.length() ? trimmed.substring(split + 1).strip() : "");
            }
        }
        extensions = Collections.unmodifiableMap(offered);
    }

    /** Says {@code verb heloName}; its reply is kept, like the greeting, before a 421 can end the setup. */
    private Reply hello(String verb, String heloName) throws IOException {
        send(verb + " " + heloName);
        hello = reader.read();
        return received(hello);
    }

    private void startTls(String heloName) throws IOException {
        boolean required = options.startTls() == StartTls.REQUIRED;
        if (!extensions.containsKey("STARTTLS")) {
            if (required) {
                throw new RefusedException("does not offer STARTTLS, which is required");
            }
            return;
        }
        Reply reply = command("STARTTLS");
        if (reply.code() != 220) {
            if (required) {
                throw new RefusedException("refused STARTTLS, which is required: " + reply);
            }
            return;
        }
        SSLSocket tls;
        try {
            SSLContext context = required
                    ? (options.sslContext() != null ? options.sslContext() : SSLContext.getDefault())
                    : OpportunisticTrust.context();
            tls = (SSLSocket) context.getSocketFactory().createSocket(raw, address.host(), address.port(), true);
        }
        catch (GeneralSecurityException ex) {
            throw new SSLException("No TLS context: " + ex.getMessage(), ex);
        }
        tls.setUseClientMode(true);
        if (required) {
            // Check that the certificate names the host we meant to reach, as HTTPS clients do.
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
        }
        try {
            tls.startHandshake();
        }
        catch (SSLException ex) {
            if (!required) {
                throw new OpportunisticTlsFailure(ex);
            }
            throw ex;
        }
        // RFC 3207 4.2: forget everything learnt before the handshake, bytes read ahead included.
        use(tls);
        secure = true;
        extensions = Map.of();
        hello(heloName);
    }

    private void authenticate() throws IOException {
        String mechanisms = extensions.get("AUTH");
        if (mechanisms == null) {
            throw new RefusedException("does not offer AUTH, and credentials are configured");
        }
        if (!secure && !raw.getInetAddress().isLoopbackAddress()) {
            throw new RefusedException("offers no TLS, and credentials are never sent in clear text over a network");
        }
        Reply reply = SaslLogin.authenticate(this::command, mechanisms, options.username(), options.password());
        if (reply == null) {
            throw new RefusedException("offers neither AUTH PLAIN nor AUTH LOGIN (only " + mechanisms + ")");
        }
        if (reply.code() != 235) {
            throw new RefusedException("did not accept the credentials of " + options.username() + ": " + reply);
        }
    }

    private void use(Socket current) throws IOException {
        socket = current;
        bufferedIn = new BufferedInputStream(current.getInputStream(), 8192);
        reader = new ReplyReader(bufferedIn);
        timedOut = Watchdog.guard(current.getOutputStream(), raw, options.timeout());
        out = new BufferedOutputStream(timedOut, 65536);
    }

    // ---- Where the I/O runs ----

    /**
     * Lets a session that waits on {@code loop} use this connection without blocking the loop; on the loop's
     * thread, once connected. A plain-text connection moves onto the loop, where each exchange costs no thread and
     * no context switch. Over TLS (an {@code SSLSocket} only does blocking I/O) each exchange runs on {@code work}
     * instead and answers on the loop.
     */
    public void useLoop(EventLoop loop, Executor work) {
        if (this.loop != null || isBroken()) {
            return;
        }
        this.loop = Objects.requireNonNull(loop, "loop");
        this.work = Objects.requireNonNull(work, "work");
        try {
            // With a deadline the connection stays off the loop: its exchanges then run on blocking sockets, which
            // the deadline's watchdog can cut short; a loop's own timeouts know nothing of it.
            if (!secure && deadline == null && bufferedIn.available() == 0) {
                onLoop = LoopConnection.attach(channel, loop, this::received, options.timeout());
            }
        }
        catch (IOException ex) {
            broken(ex);
        }
        catch (RuntimeException ex) {
            // The loop has stopped (its selector is closed): the connection is of no more use.
            broken(new IOException(ex));
        }
    }

    /**
     * Sends {@code request} and reads {@code expected} replies: without blocking on the loop, or with blocking I/O
     * on this thread, or on the session's executor when this thread is its loop's (TLS).
     */
    private CompletableFuture<Exchanged> exchange(Outgoing request, int expected, Duration replyTimeout) {
        if (onLoop != null) {
            return onLoop.exchange(request, expected, replyTimeout);
        }
        if (loop != null && loop.inLoop()) {
            Executor backOnLoop = loop::execute;
            return CompletableFuture.supplyAsync(() -> exchangeBlocking(request, expected, replyTimeout), work)
                .thenApplyAsync((exchanged) -> exchanged, backOnLoop);
        }
        return CompletableFuture.completedFuture(exchangeBlocking(request, expected, replyTimeout));
    }

    private Exchanged exchangeBlocking(Outgoing request, int expected, Duration replyTimeout) {
        List<Reply> replies = new ArrayList<>(expected);
        try {
            ByteBuffer piece;
            while ((piece = request.next()) != null) {
                out.write(piece.array(), piece.arrayOffset() + piece.position(), piece.remaining());
            }
            out.flush();
            boolean longer = !replyTimeout.equals(options.timeout());
            if (longer) {
                setReadTimeout(replyTimeout);
            }
            try {
                for (int i = 0; i < expected; i++) {
                    replies.add(received(reader.read()));
                }
            }
            finally {
                if (longer) {
                    setReadTimeout(options.timeout());
                }
            }
            return new Exchanged(replies, null);
        }
        catch (IOException ex) {
            return new Exchanged(replies, ex);
        }
        catch (RuntimeException ex) {
            // Whatever failed, the connection is somewhere in the middle of a command: it must not be reused.
            return new Exchanged(replies, new IOException(ex));
        }
    }

    private void setReadTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /** Checks each reply as it is read; a 421 ends the exchange. */
    private Reply received(Reply reply) throws IOException {
        lastReplyNanos = System.nanoTime();
        if (reply.code() == 421) {
            // The upstream is closing the channel (RFC 5321 3.8). Passed on, a 421 would tell our client
            // that we are closing ours: it is a lost upstream connection instead.
            throw new Closing(reply);
        }
        return reply;
    }

    /** What an exchange's replies mean, or the failure that the session's client hears instead. */
    private interface Meaning<R> {
        R of(Exchanged exchanged) throws UpstreamException;
    }

    /** One exchange, taken to mean what {@code meaning} says; fails with an {@link UpstreamException}. */
    private <R> CompletableFuture<R> send(Outgoing request, int expected, Duration replyTimeout, Meaning<R> meaning) {
        try {
            usable();
        }
        catch (UpstreamException ex) {
            return CompletableFuture.failedFuture(ex);
        }
        return exchange(request, expected, replyTimeout).thenApply((exchanged) -> {
            try {
                return meaning.of(exchanged);
            }
            catch (UpstreamException ex) {
                throw new CompletionException(ex);
            }
        });
    }

    /** A command with one final reply (MAIL, RCPT, NOOP, RSET). */
    private CompletableFuture<Reply> transact(String line) {
        return send(Outgoing.lines(line), 1, options.timeout(), (exchanged) -> completion(all(exchanged, 1).get(0)));
    }

    /** The {@code expected} replies, or the failure that cut the exchange short. */
    private List<Reply> all(Exchanged exchanged, int expected) throws UpstreamException {
        if (exchanged.failure() instanceof Outgoing.Unreadable unreadable) {
            throw unreadable(unreadable);
        }
        if (!exchanged.complete(expected)) {
            throw broken(exchanged.failure() != null ? exchanged.failure()
                    : new EOFException("The upstream closed the connection"));
        }
        return exchanged.replies();
    }

    /**
     * A reply that completes a command: 2xx, 4xx or 5xx (a {@link Reply} is never below 200). A 3xx here (a 354
     * to RCPT or after the data, say) would count as accepted, since {@link Reply#isPositive()} is any code below
     * 400: the upstream is not speaking SMTP.
     */
    private Reply completion(Reply reply) throws UpstreamException {
        if (reply.code() >= 300 && reply.code() < 400) {
            throw broken(new ProtocolException("answered with " + reply + " where a final reply was due"));
        }
        return reply;
    }

    private List<Reply> completions(List<Reply> replies) throws UpstreamException {
        for (Reply reply : replies) {
            completion(reply);
        }
        return replies;
    }

    /** Waits for an exchange, for the blocking forms; its failure is thrown as it came. */
    private static <T> T await(CompletableFuture<T> pending) throws UpstreamException {
        try {
            return pending.join();
        }
        catch (CompletionException ex) {
            if (ex.getCause() instanceof UpstreamException upstream) {
                throw upstream;
            }
            throw ex;
        }
    }

    private static <T> CompletableFuture<T> failed(UpstreamException ex) {
        return CompletableFuture.failedFuture(ex);
    }

    // ---- The transaction ----

    /** The address this client is connected to. */
    public HostPort address() {
        return address;
    }

    /** Whether the connection is protected by TLS. */
    public boolean isSecure() {
        return secure;
    }

    /** The protocol spoken. */
    public Protocol protocol() {
        return options.protocol();
    }

    /** What the upstream said while the connection was set up: its greeting and its answer to the hello. */
    public Greetings greetings() {
        return new Greetings(greeting, hello);
    }

    /** Whether the upstream offered an extension, e.g. {@code 8BITMIME}; case does not matter. */
    public boolean hasExtension(String keyword) {
        return extensions.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    /** The EHLO keywords the upstream offered, upper-case, each with its parameters (e.g. SIZE's limit). */
    public Map<String, String> extensions() {
        return extensions;
    }

    /**
     * Sends {@code MAIL FROM}. A reverse path of {@code <>} or empty is the null sender.
     *
     * @param parameters ESMTP parameters such as {@code SIZE=1000}, sent as given
     */
    public Reply mail(String reversePath, List<String> parameters) throws UpstreamException {
        return await(mailAsync(reversePath, parameters));
    }

    /** {@link #mail}, answered later (see {@link #useLoop}). */
    public CompletableFuture<Reply> mailAsync(String reversePath, List<String> parameters) {
        acceptedRecipients = 0;
        return transact(mailCommand(reversePath, parameters));
    }

    /** Sends {@code RCPT TO}; a positive reply counts the recipient for LMTP's replies after the data. */
    public Reply rcpt(String forwardPath, List<String> parameters) throws UpstreamException {
        return await(rcptAsync(forwardPath, parameters));
    }

    /** {@link #rcpt}, answered later (see {@link #useLoop}). */
    public CompletableFuture<Reply> rcptAsync(String forwardPath, List<String> parameters) {
        return transact(rcptCommand(forwardPath, parameters)).thenApply(this::counted);
    }

    /**
     * Starts a transaction with its first recipient: {@code MAIL FROM} and {@code RCPT TO} in one write when the
     * upstream offers PIPELINING (RFC 2920), which saves a round trip; otherwise one after the other, RCPT only
     * once MAIL was accepted.
     *
     * @return the reply to MAIL alone when the upstream refused it; otherwise the replies to MAIL and to RCPT
     */
    public List<Reply> mailAndRcpt(String reversePath, List<String> mailParameters, String forwardPath,
            List<String> rcptParameters) throws UpstreamException {
        return await(mailAndRcptAsync(reversePath, mailParameters, forwardPath, rcptParameters));
    }

    /** {@link #mailAndRcpt}, answered later (see {@link #useLoop}). */
    public CompletableFuture<List<Reply>> mailAndRcptAsync(String reversePath, List<String> mailParameters,
            String forwardPath, List<String> rcptParameters) {
        if (!hasExtension("PIPELINING")) {
            return mailAsync(reversePath, mailParameters).thenCompose((mail) -> mail.isPositive()
                    ? rcptAsync(forwardPath, rcptParameters).thenApply((rcpt) -> List.of(mail, rcpt))
                    : CompletableFuture.completedFuture(List.of(mail)));
        }
        acceptedRecipients = 0;
        Outgoing both = Outgoing.lines(mailCommand(reversePath, mailParameters),
                rcptCommand(forwardPath, rcptParameters));
        return send(both, 2, options.timeout(), (exchanged) -> {
            Reply mail = completion(exchanged.replies().isEmpty() ? all(exchanged, 2).get(0)
                    : exchanged.replies().get(0));
            if (mail.isPositive()) {
                return List.of(mail, counted(completion(all(exchanged, 2).get(1))));
            }
            // MAIL was refused, so RCPT fails too: its reply was read to stay in step, but an upstream that hung
            // up after it must not turn the sender's refusal into a lost connection (a 5xx into a 451).
            if (exchanged.failure() != null) {
                broken(exchanged.failure());
            }
            return List.of(mail);
        });
    }

    private static String mailCommand(String reversePath, List<String> parameters) {
        String path = reversePath == null || reversePath.equals("<>") ? "" : reversePath;
        return "MAIL FROM:<" + path + ">" + join(parameters);
    }

    private static String rcptCommand(String forwardPath, List<String> parameters) {
        return "RCPT TO:<" + forwardPath + ">" + join(parameters);
    }

    private Reply counted(Reply rcpt) {
        if (rcpt.isPositive()) {
            acceptedRecipients++;
        }
        return rcpt;
    }

    /**
     * Messages up to this size go to an upstream that offers CHUNKING as one {@code BDAT LAST} (RFC 3030): one
     * round trip where DATA takes two. Larger ones stream through DATA, so that none is held in memory whole.
     */
    static final int ONE_CHUNK = 64 * 1024;

    /**
     * Sends the message: as one {@code BDAT LAST} chunk when it is small and the SMTP upstream offers CHUNKING;
     * otherwise {@code DATA}, then {@code content} dot-stuffed, then the final dot. Either way the content goes
     * as it is (trace headers included), with bare CR and LF turned into CRLF (see {@link DataEncoder}).
     *
     * @return the upstream's refusal of {@code DATA} alone when it refused it; otherwise its reply to the data:
     *         one for SMTP, one per accepted recipient, in order, for LMTP
     * @throws UpstreamException when the connection fails, or the content can not be read (then the
     *         connection is dropped, so the upstream discards the partial message)
     */
    public List<Reply> data(InputStream content) throws UpstreamException {
        return await(dataAsync(content));
    }

    /** {@link #data}, answered later (see {@link #useLoop}); the content is read on the thread that sends it. */
    public CompletableFuture<List<Reply>> dataAsync(InputStream content) {
        try {
            usable();
            int expected = takeExpectedReplies();
            byte[] head = new byte[0];
            if (options.protocol() == Protocol.SMTP && hasExtension("CHUNKING")) {
                head = readHead(content);
                if (head.length < ONE_CHUNK) {
                    return oneChunk(head).thenApply(List::of);
                }
            }
            byte[] first = head;
            return send(Outgoing.lines("DATA"), 1, options.timeout(), (exchanged) -> all(exchanged, 1).get(0))
                .thenCompose((go) -> {
                    if (go.code() == 354) {
                        return content(first, content, expected);
                    }
                    if (go.isPositive()) {
                        return failed(broken(new ProtocolException("answered DATA with " + go)));
                    }
                    return CompletableFuture.completedFuture(List.of(go));
                });
        }
        catch (UpstreamException ex) {
            return failed(ex);
        }
    }

    private CompletableFuture<List<Reply>> content(byte[] head, InputStream content, int expected) {
        EncodedContent encoded = new EncodedContent(head, content);
        return send(encoded, expected, options.dataTimeout(), (exchanged) -> {
            List<Reply> replies = completions(all(exchanged, expected));
            logRepairs(encoded.encoder());
            return replies;
        });
    }

    /** The size of each BDAT chunk of a binary message but the last. */
    static final int BINARY_CHUNK = 256 * 1024;

    /** Whether the upstream can take a binary message (BODY=BINARYMIME): it must offer CHUNKING and BINARYMIME. */
    public boolean takesBinary() {
        return hasExtension("CHUNKING") && hasExtension("BINARYMIME");
    }

    /**
     * Sends a binary message (BODY=BINARYMIME, RFC 3030) in BDAT chunks, byte for byte: repairing its line ends
     * would corrupt it, and BDAT has no end marker that a bare line end could fake. Each chunk waits for its
     * reply, and a refused one ends the message (RFC 3030 4.2), so what goes upstream stays bounded.
     *
     * @return the refusal of a chunk before the last, or the replies to the last: one for SMTP, one per accepted
     *         recipient, in order, for LMTP
     * @throws UpstreamException when the connection fails or the content can not be read
     */
    public List<Reply> binary(InputStream content) throws UpstreamException {
        return await(binaryAsync(content));
    }

    /** {@link #binary}, answered later (see {@link #useLoop}). */
    public CompletableFuture<List<Reply>> binaryAsync(InputStream content) {
        try {
            usable();
        }
        catch (UpstreamException ex) {
            return failed(ex);
        }
        return binaryChunk(content, new byte[BINARY_CHUNK], takeExpectedReplies());
    }

    private CompletableFuture<List<Reply>> binaryChunk(InputStream content, byte[] chunk, int expected) {
        int length;
        try {
            length = readChunk(content, chunk);
        }
        catch (UpstreamException ex) {
            return failed(ex);
        }
        boolean last = length < chunk.length;
        byte[] command = ("BDAT " + length + (last ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII);
        int replies = last ? expected : 1;
        // Each chunk's reply may take as long as the data's: the upstream may store or scan it first.
        return send(Outgoing.pieces(ByteBuffer.wrap(command), ByteBuffer.wrap(chunk, 0, length)), replies,
                options.dataTimeout(), (exchanged) -> completions(all(exchanged, replies)))
            .thenCompose((got) -> last || !got.get(0).isPositive() ? CompletableFuture.completedFuture(got)
                    : binaryChunk(content, chunk, expected));
    }

    /** Fills {@code chunk} from the content, short only at its end. */
    private int readChunk(InputStream content, byte[] chunk) throws UpstreamException {
        try {
            return content.readNBytes(chunk, 0, chunk.length);
        }
        catch (IOException ex) {
            throw unreadable(ex);
        }
    }

    private CompletableFuture<Reply> oneChunk(byte[] content) throws UpstreamException {
        ExposedBytes chunk = new ExposedBytes(content.length + 256);
        DataEncoder encoder = DataEncoder.forChunk(chunk);
        try {
            encoder.write(content, 0, content.length);
            encoder.finish();
        }
        catch (IOException ex) {
            // Memory only: it does not fail.
            throw unreadable(ex);
        }
        logRepairs(encoder);
        byte[] command = ("BDAT " + chunk.size() + " LAST\r\n").getBytes(StandardCharsets.US_ASCII);
        // One piece, so that the command and its chunk go in one write; the chunk is copied once, into it.
        byte[] request = Arrays.copyOf(command, command.length + chunk.size());
        chunk.view().get(request, command.length, chunk.size());
        return send(Outgoing.of(request), 1, options.dataTimeout(),
                (exchanged) -> completion(all(exchanged, 1).get(0)));
    }

    /**
     * How many replies the end of this transaction's message gets: one for SMTP, one per accepted recipient for
     * LMTP (RFC 2033 4.2). The count starts again for the next transaction.
     */
    private int takeExpectedReplies() {
        int expected = options.protocol() == Protocol.LMTP ? Math.max(1, acceptedRecipients) : 1;
        acceptedRecipients = 0;
        return expected;
    }

    private void logRepairs(DataEncoder encoder) {
        if (encoder.repairedLineEnds() > 0) {
            logger.info("Turned {} bare LF or lone CR into CRLF while relaying to {}", encoder.repairedLineEnds(),
                    address);
        }
    }

    /** Up to {@link #ONE_CHUNK} bytes of the content, in memory grown as they come: most messages are small. */
    private byte[] readHead(InputStream content) throws UpstreamException {
        try {
            return content.readNBytes(ONE_CHUNK);
        }
        catch (IOException ex) {
            throw unreadable(ex);
        }
    }

    /** Our own spool failed, not the upstream: the connection is dropped, so it discards what it got. */
    private UpstreamException unreadable(IOException ex) {
        closeSocket();
        failure = new UpstreamException(LOCAL_ERROR, "Could not read the message content",
                ex instanceof Outgoing.Unreadable && ex.getCause() != null ? ex.getCause() : ex);
        return failure;
    }

    /** Sends {@code NOOP}: a cheap check that the upstream is still there. */
    public Reply noop() throws UpstreamException {
        return await(noopAsync());
    }

    /** {@link #noop}, answered later (see {@link #useLoop}). */
    public CompletableFuture<Reply> noopAsync() {
        return transact("NOOP");
    }

    /** How long since the upstream last answered; it may have timed out the connection meanwhile. */
    public Duration idleTime() {
        return Duration.ofNanos(System.nanoTime() - lastReplyNanos);
    }

    /** Sends {@code RSET}, ending the transaction but keeping the connection. */
    public Reply rset() throws UpstreamException {
        return await(rsetAsync());
    }

    /** {@link #rset}, answered later (see {@link #useLoop}). */
    public CompletableFuture<Reply> rsetAsync() {
        acceptedRecipients = 0;
        return transact("RSET");
    }

    /** Whether the connection has failed or been closed (or its deadline has passed). */
    public boolean isBroken() {
        return failure != null || closed || (deadline != null && deadline.passed());
    }

    /**
     * Says QUIT (without waiting long for the answer) and closes the connection. On an event loop's thread it
     * does not wait (see {@link #closeAsync}).
     */
    @Override
    public void close() {
        CompletableFuture<Void> closing = closeAsync();
        if (loop == null || !loop.inLoop()) {
            closing.join();
        }
    }

    /** {@link #close}, done later (see {@link #useLoop}); never fails. */
    public CompletableFuture<Void> closeAsync() {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        closed = true;
        if (failure != null || (deadline != null && deadline.passed())) {
            closeSocket();
            return CompletableFuture.completedFuture(null);
        }
        // The upstream is gone or slow if it does not answer soon; the socket is closed either way.
        return exchange(Outgoing.lines("QUIT"), 1, Duration.ofMillis(Math.min(10_000, options.timeout().toMillis())))
            .handle((exchanged, ex) -> {
                closeSocket();
                return null;
            });
    }

    // ---- Wire, while the connection is set up (blocking, before any loop) ----

    private Reply command(String line) throws IOException {
        send(line);
        return read();
    }

    private Reply read() throws IOException {
        return received(reader.read());
    }

    private void send(String line) throws IOException {
        ByteBuffer bytes = Outgoing.lines(line).next();
        out.write(bytes.array(), bytes.position(), bytes.remaining());
        out.flush();
    }

    private void usable() throws UpstreamException {
        if (failure == null && !closed && deadline != null && deadline.passed()) {
            throw broken(deadline.exceeded(null));
        }
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new UpstreamException(LOST, "The connection to " + address + " is closed");
        }
    }

    private static String join(List<String> parameters) {
        if (parameters == null || parameters.isEmpty()) {
            return "";
        }
        return " " + String.join(" ", parameters);
    }

    private UpstreamException broken(IOException ex) {
        if (deadline != null && deadline.passed() && !(ex instanceof DeadlineExceededException)) {
            // Whatever failed, it failed because the deadline's watchdog closed the socket.
            ex = deadline.exceeded(ex);
        }
        Reply reply;
        if (timedOut.expired() || ex instanceof SocketTimeoutException) {
            reply = TIMED_OUT;
        }
        else if (ex instanceof ProtocolException) {
            reply = PROTOCOL_ERROR;
        }
        else {
            reply = LOST;
        }
        failure = new UpstreamException(reply, "Upstream " + address + " failed: "
                + (timedOut.expired() ? "a write timed out" : describe(ex)), ex);
        logger.warn(failure.getMessage());
        closeSocket();
        return failure;
    }

    private void closeSocket() {
        closed = true;
        if (onLoop != null) {
            onLoop.close();
        }
        else {
            closeQuietly(raw);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        }
        catch (IOException ex) {
            // Already closed.
        }
    }

    static String describe(Throwable ex) {
        if (ex instanceof DeadlineExceededException) {
            return ex.getMessage();
        }
        if (ex instanceof ConnectException) {
            return "connection refused";
        }
        if (ex instanceof SocketTimeoutException) {
            return "timed out";
        }
        if (ex instanceof UnknownHostException) {
            return "unknown host";
        }
        if (ex instanceof EOFException) {
            return "connection closed by the upstream";
        }
        if (ex instanceof RefusedException || ex instanceof Closing) {
            return ex.getMessage();
        }
        return ex.getClass().getSimpleName() + (ex.getMessage() != null ? ": " + ex.getMessage() : "");
    }

    @Override
    public String toString() {
        return "UpstreamClient[" + options.protocol() + " " + address + (secure ? ", TLS" : "") + "]";
    }

    /** The upstream answered, but not in a way that lets us use it. */
    private static final class RefusedException extends IOException {

        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }

    /** The upstream answered 421 and is closing the connection. */
    private static final class Closing extends IOException {

        private static final long serialVersionUID = 1L;

        Closing(Reply reply) {
            super("closing the connection: " + reply);
        }
    }

    /** An opportunistic handshake failed: the caller may try again in clear text. */
    private static final class OpportunisticTlsFailure extends IOException {

        private static final long serialVersionUID = 1L;

        OpportunisticTlsFailure(SSLException cause) {
            super(cause);
        }
    }
}
