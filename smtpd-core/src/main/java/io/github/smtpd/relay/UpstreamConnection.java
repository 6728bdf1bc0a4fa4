package io.github.smtpd.relay;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLSocket;

import io.github.smtpd.HostPort;
import io.github.smtpd.Reply;
import io.github.smtpd.internal.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O of one upstream connection, and whether it can still be used. It is set up over blocking streams (and
 * stays on them over TLS or with a deadline); a plain-text one then moves onto the session's event loop
 * ({@link #useLoop}). Either way every exchange goes through {@link #exchange}, and every failure through
 * {@link #broken}, which closes the connection for good.
 */
final class UpstreamConnection {

    /** The client's logger, so that the relay's log lines keep the name they always had. */
    private static final Logger logger = LoggerFactory.getLogger(UpstreamClient.class);

    private final UpstreamOptions options;

    private final HostPort address;

    private final SocketChannel channel;

    private final Socket raw;

    /** The overall deadline, when the options set one ({@code null} for relaying). */
    private final Deadline deadline;

    private Socket socket;

    private BufferedInputStream bufferedIn;

    private ReplyReader reader;

    private Watchdog.TimedOutputStream timedOut;

    private OutputStream out;

    private boolean secure;

    private volatile UpstreamException failure;

    private volatile boolean closed;

    private volatile long lastReplyNanos = System.nanoTime();

    /** Set once the connection runs on an event loop ({@link #useLoop}): every exchange then goes through it. */
    private LoopConnection onLoop;

    /** The loop of the session that uses this connection, if any, and where blocking I/O goes instead of it. */
    private EventLoop loop;

    private Executor work;

    /** Over {@code channel}, connected, with its read timeout set. */
    UpstreamConnection(UpstreamOptions options, HostPort address, SocketChannel channel, Deadline deadline)
            throws IOException {
        this.options = options;
        this.address = address;
        this.channel = channel;
        this.deadline = deadline;
        this.raw = channel.socket();
        use(raw);
    }

    HostPort address() {
        return address;
    }

    /** The plain socket, under TLS once {@link #useTls} was called. */
    Socket raw() {
        return raw;
    }

    boolean isSecure() {
        return secure;
    }

    /**
     * Continues over {@code tls}, layered on the plain socket, once its handshake is done. RFC 3207 4.2: what
     * was read ahead before it is forgotten.
     */
    void useTls(SSLSocket tls) throws IOException {
        use(tls);
        secure = true;
    }

    private void use(Socket current) throws IOException {
        socket = current;
        bufferedIn = new BufferedInputStream(current.getInputStream(), 8192);
        reader = new ReplyReader(bufferedIn);
        timedOut = Watchdog.guard(current.getOutputStream(), raw, options.timeout());
        out = new BufferedOutputStream(timedOut, 65536);
    }

    // ---- Wire, while the connection is set up (blocking, before any loop) ----

    Reply command(String line) throws IOException {
        send(line);
        return received(reader.read());
    }

    /** Reads one reply as it came, 421 included: what the set-up keeps before {@link #received} can end it. */
    Reply readAsItCame() throws IOException {
        return reader.read();
    }

    void send(String line) throws IOException {
        ByteBuffer bytes = Outgoing.lines(line).next();
        out.write(bytes.array(), bytes.position(), bytes.remaining());
        out.flush();
    }

    // ---- Where the I/O runs ----

    /** See {@link UpstreamClient#useLoop}. */
    void useLoop(EventLoop loop, Executor work) {
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

    /** Whether this thread is the loop of the session that uses the connection, which must never block. */
    boolean inLoop() {
        return loop != null && loop.inLoop();
    }

    /**
     * Sends {@code request} and reads {@code expected} replies: without blocking on the loop, or with blocking I/O
     * on this thread, or on the session's executor when this thread is its loop's (TLS).
     */
    CompletableFuture<Exchanged> exchange(Outgoing request, int expected, Duration replyTimeout) {
        if (onLoop != null) {
            return onLoop.exchange(request, expected, replyTimeout);
        }
        if (inLoop()) {
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
        socket.setSoTimeout(millis(timeout));
    }

    /** {@code timeout} in milliseconds, as a socket takes it. */
    static int millis(Duration timeout) {
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    /** Checks each reply as it is read; a 421 ends the exchange. */
    Reply received(Reply reply) throws IOException {
        lastReplyNanos = System.nanoTime();
        if (reply.code() == 421) {
            // The upstream is closing the channel (RFC 5321 3.8). Passed on, a 421 would tell our client
            // that we are closing ours: it is a lost upstream connection instead.
            throw new Failures.Closing(reply);
        }
        return reply;
    }

    /** How long since the upstream last answered. */
    Duration idleTime() {
        return Duration.ofNanos(System.nanoTime() - lastReplyNanos);
    }

    // ---- Whether it can still be used ----

    /** Throws why the connection can not be used any more, if it can not. */
    void usable() throws UpstreamException {
        if (failure == null && !closed && deadline != null && deadline.passed()) {
            throw broken(deadline.exceeded(null));
        }
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new UpstreamException(UpstreamClient.LOST, "The connection to " + address + " is closed");
        }
    }

    /** Whether the connection has failed or been closed (or its deadline has passed). */
    boolean isBroken() {
        return failure != null || closed || (deadline != null && deadline.passed());
    }

    /** The connection failed with {@code ex}: it is closed, and the failure is what every later use throws. */
    UpstreamException broken(IOException ex) {
        if (deadline != null && deadline.passed() && !(ex instanceof DeadlineExceededException)) {
            // Whatever failed, it failed because the deadline's watchdog closed the socket.
            ex = deadline.exceeded(ex);
        }
        Reply reply;
        if (timedOut.expired() || ex instanceof SocketTimeoutException) {
            reply = UpstreamClient.TIMED_OUT;
        }
        else if (ex instanceof ProtocolException) {
            reply = UpstreamClient.PROTOCOL_ERROR;
        }
        else {
            reply = UpstreamClient.LOST;
        }
        failure = new UpstreamException(reply, "Upstream " + address + " failed: "
                + (timedOut.expired() ? "a write timed out" : Failures.describe(ex)), ex);
        logger.warn(failure.getMessage());
        closeSocket();
        return failure;
    }

    /** Our own spool failed, not the upstream: the connection is dropped, so it discards what it got. */
    UpstreamException unreadable(IOException ex) {
        closeSocket();
        failure = new UpstreamException(UpstreamClient.LOCAL_ERROR, "Could not read the message content",
                ex instanceof Outgoing.Unreadable && ex.getCause() != null ? ex.getCause() : ex);
        return failure;
    }

    /** Says QUIT (waiting for the answer a short while at most) and closes the connection; never fails. */
    CompletableFuture<Void> quit() {
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

    private void closeSocket() {
        closed = true;
        if (onLoop != null) {
            onLoop.close();
        }
        else {
            closeQuietly(raw);
        }
    }

    static void closeQuietly(Socket socket) {
        try {
            socket.close();
        }
        catch (IOException ex) {
            // Already closed.
        }
    }
}
