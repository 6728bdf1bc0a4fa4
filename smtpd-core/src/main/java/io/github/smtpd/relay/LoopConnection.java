package io.github.smtpd.relay;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.smtpd.Reply;
import io.github.smtpd.internal.EventLoop;

/**
 * An upstream connection's I/O on the event loop of the session that uses it: each exchange writes its request
 * without blocking and reads the replies as they come, on the loop's thread. A relayed command then costs no
 * thread hand-off and no context switch, where a thread blocked on the upstream cost two per command. One
 * exchange at a time, later ones in order; the {@link Watchdog} times out one that waits too long.
 *
 * <p>Bytes the upstream sends while no exchange waits are left unread, for the next exchange to read as its
 * reply, as a blocking client would.
 */
final class LoopConnection implements Runnable, Watchdog.Watched, AutoCloseable {

    /**
     * The most reply bytes held while they are incomplete. The blocking reader allows {@link ReplyReader#MAX_LINES}
     * lines of {@link ReplyReader#MAX_LINE}, for EHLO; replies to transaction commands are a line or two.
     */
    static final int MAX_BUFFERED = 64 * 1024;

    /** Checks each reply as it is read: a 421 ends the exchange ({@link UpstreamConnection#received}). */
    interface ReplyCheck {
        Reply check(Reply reply) throws IOException;
    }

    private final SocketChannel channel;

    private final EventLoop loop;

    private final SelectionKey key;

    private final ReplyCheck check;

    private final long writeTimeoutNanos;

    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

    private byte[] in = new byte[1024];

    private int buffered;

    // The exchange under way, if any; on the loop's thread only.

    private CompletableFuture<Exchanged> done;

    private Outgoing request;

    private ByteBuffer piece;

    private int expected;

    private List<Reply> replies;

    private long replyTimeoutNanos;

    // For the watchdog's thread.

    /** When the exchange under way last made progress (nanoTime); 0 when none is under way. */
    private volatile long progressNanos;

    private volatile long timeoutNanos;

    private volatile boolean timedOut;

    private LoopConnection(SocketChannel channel, EventLoop loop, ReplyCheck check, Duration writeTimeout)
            throws IOException {
        this.channel = channel;
        this.loop = loop;
        this.check = check;
        this.writeTimeoutNanos = writeTimeout.toNanos();
        channel.configureBlocking(false);
        this.key = loop.registerIdle(channel, this);
        // Read interest stays on between exchanges: turning it on and off would cost two epoll_ctl calls per
        // exchange. An idle upstream sends nothing, and one that does is muted until the next exchange.
        key.interestOps(SelectionKey.OP_READ);
    }

    /**
     * Moves a connected, blocking channel onto {@code loop}; on the loop's thread. Nothing may be buffered from it.
     *
     * @param writeTimeout how long a write may wait for the upstream to read
     */
    static LoopConnection attach(SocketChannel channel, EventLoop loop, ReplyCheck check, Duration writeTimeout)
            throws IOException {
        LoopConnection connection = new LoopConnection(channel, loop, check, writeTimeout);
        Watchdog.watch(connection, writeTimeout);
        return connection;
    }

    /**
     * Sends {@code request} and reads {@code expected} replies, each within {@code replyTimeout}; on the loop's
     * thread, after any exchange already under way.
     *
     * @return completed on the loop's thread, never exceptionally: a failure is in the result
     */
    CompletableFuture<Exchanged> exchange(Outgoing request, int expected, Duration replyTimeout) {
        CompletableFuture<Exchanged> result = new CompletableFuture<>();
        Runnable start = () -> begin(request, expected, replyTimeout.toNanos(), result);
        if (loop.inLoop()) {
            startOrWait(start);
        }
        else {
            loop.execute(() -> startOrWait(start));
        }
        return result;
    }

    private void startOrWait(Runnable start) {
        if (done != null) {
            waiting.add(start);
        }
        else {
            start.run();
        }
    }

    private void begin(Outgoing request, int expected, long replyTimeoutNanos, CompletableFuture<Exchanged> result) {
        if (!key.isValid()) {
            // Closed, or its loop has stopped: nothing would ever answer, this exchange nor those after it.
            result.complete(new Exchanged(List.of(), new java.nio.channels.ClosedChannelException()));
            if (done == null && !waiting.isEmpty()) {
                waiting.poll().run();
            }
            return;
        }
        this.done = result;
        this.request = request;
        this.expected = expected;
        this.replies = new ArrayList<>(expected);
        this.replyTimeoutNanos = replyTimeoutNanos;
        this.timeoutNanos = writeTimeoutNanos;
        progress();
        write();
    }

    private void progress() {
        long now = System.nanoTime();
        progressNanos = now == 0 ? 1 : now;
    }

    private void write() {
        try {
            while (true) {
                if (piece == null || !piece.hasRemaining()) {
                    piece = request.next();
                    if (piece == null) {
                        break;
                    }
                }
                if (channel.write(piece) > 0) {
                    progress();
                }
                if (piece.hasRemaining()) {
                    // The upstream reads slower than we send: go on once it has room.
                    key.interestOps(SelectionKey.OP_WRITE);
                    return;
                }
            }
            request = null;
            timeoutNanos = replyTimeoutNanos;
            progress();
            if (key.interestOps() != SelectionKey.OP_READ) {
                key.interestOps(SelectionKey.OP_READ);
            }
        }
        catch (IOException | RuntimeException ex) {
            fail(ex);
            return;
        }
        readReplies();
    }

    /** The loop saw the channel ready. */
    @Override
    public void run() {
        if (done == null) {
            // Nothing is expected: what came stays unread for the next exchange, which listens again.
            key.interestOps(0);
            return;
        }
        if (request != null) {
            write();
            return;
        }
        try {
            if (buffered == in.length) {
                if (in.length >= MAX_BUFFERED) {
                    throw new ProtocolException("SMTP reply longer than " + MAX_BUFFERED + " bytes");
                }
                in = Arrays.copyOf(in, Math.min(MAX_BUFFERED, in.length * 2));
            }
            int read = channel.read(ByteBuffer.wrap(in, buffered, in.length - buffered));
            if (read < 0) {
                throw new EOFException("The upstream closed the connection");
            }
            buffered += read;
            progress();
        }
        catch (IOException | RuntimeException ex) {
            fail(ex);
            return;
        }
        readReplies();
    }

    private void readReplies() {
        try {
            while (replies.size() < expected) {
                Reply reply = parse();
                if (reply == null) {
                    return;
                }
                replies.add(check.check(reply));
            }
        }
        catch (IOException | RuntimeException ex) {
            fail(ex);
            return;
        }
        finish(null);
    }

    /** The first whole reply buffered, taken off the buffer; {@code null} while it is incomplete. */
    private Reply parse() throws IOException {
        if (!hasLastLine()) {
            return null;
        }
        ByteArrayInputStream bytes = new ByteArrayInputStream(in, 0, buffered);
        Reply reply;
        try {
            reply = new ReplyReader(bytes).read();
        }
        catch (EOFException incomplete) {
            return null;
        }
        int used = buffered - bytes.available();
        System.arraycopy(in, used, in, 0, buffered - used);
        buffered -= used;
        return reply;
    }

    /**
     * Whether a line that ends a reply has come: one whose fourth character is not the {@code -} of a
     * continuation (a malformed line ends it too, for {@link ReplyReader} to refuse). Checked before parsing, so
     * that an incomplete reply costs no exception.
     */
    private boolean hasLastLine() {
        int lineStart = 0;
        for (int i = 0; i < buffered; i++) {
            if (in[i] == '\n') {
                if (i - lineStart < 4 || in[lineStart + 3] != '-') {
                    return true;
                }
                lineStart = i + 1;
            }
        }
        return false;
    }

    private void finish(IOException failure) {
        CompletableFuture<Exchanged> result = done;
        IOException cause = failure != null && timedOut ? new SocketTimeoutException("timed out") : failure;
        Exchanged exchanged = new Exchanged(List.copyOf(replies), cause);
        done = null;
        request = null;
        piece = null;
        replies = null;
        progressNanos = 0;
        result.complete(exchanged);
        if (done == null && !waiting.isEmpty()) {
            waiting.poll().run();
        }
    }

    /** Ends the exchange under way with whatever broke it, as an I/O failure. */
    private void fail(Exception ex) {
        finish(ex instanceof IOException io ? io : new IOException(ex));
    }

    private void closeChannel() {
        try {
            channel.close();
        }
        catch (IOException ex) {
            // Closed already.
        }
    }

    /** Closes the channel; the exchange under way and those waiting fail (on the loop's thread). */
    @Override
    public void close() {
        closeChannel();
        Runnable fail = () -> {
            if (done != null) {
                finish(new EOFException("The connection was closed"));
            }
            else if (!waiting.isEmpty()) {
                waiting.poll().run();
            }
        };
        if (loop.inLoop()) {
            fail.run();
        }
        else {
            loop.execute(fail);
        }
    }

    @Override
    public boolean isClosed() {
        return !channel.isOpen();
    }

    @Override
    public boolean overdue(long now) {
        long since = progressNanos;
        return since != 0 && now - since > timeoutNanos;
    }

    @Override
    public void expire() {
        timedOut = true;
        closeChannel();
        loop.execute(() -> {
            if (done != null) {
                finish(new SocketTimeoutException("timed out"));
            }
        });
    }
}
