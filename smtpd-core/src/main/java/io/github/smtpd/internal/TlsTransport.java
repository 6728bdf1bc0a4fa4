package io.github.smtpd.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * The server side of one TLS connection over a {@link SocketChannel}, through an {@link SSLEngine}, for an event
 * loop: reads and writes take what is there and say when they would wait. Reads decrypt into the caller's buffer;
 * writes encrypt what {@link ChannelOutput} flushes. Not a thread-safe stream: one reader and one writer at a
 * time, which is what a session is.
 *
 * <p>Buffers are the point: a packet buffer is about 17 KB and an idle session needs none. Each is taken when a
 * read or write needs it and dropped once it is empty again, so an idle TLS session holds the engine and nothing
 * else; the garbage this makes is young and cheap next to 34 KB held per connection for hours.
 */
final class TlsTransport implements ByteChannel {

    /** What {@link #handshake} needs before it can go on. */
    enum Progress {
        /** The handshake is complete. */
        DONE,
        /** The client's next handshake message (the selector says when it comes). */
        READ,
        /** The client must read ours first. */
        WRITE,
        /** The engine has work that may block (key and trust managers): {@link #runTasks}. */
        TASK
    }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLEngine engine;

    private final SocketChannel channel;

    /** Bytes from the client not yet decrypted (in write mode: filled from position 0 up to position). */
    private ByteBuffer netIn;

    /** Bytes for the client encrypted and not yet sent (in read mode). */
    private ByteBuffer netOut;

    /** Decrypted bytes the caller had no room for (in read mode). */
    private ByteBuffer appIn;

    /** Lends {@link #netIn} and {@link #netOut} on its thread, or {@code null}. */
    private EventLoop pool;

    /**
     * @param engine in server mode, with the server's settings ({@link Tls#engine})
     * @param consumed bytes already read from the channel that belong to TLS (implicit TLS behind a header read
     *        in the clear); empty after STARTTLS, where bytes read before the handshake are dropped
     */
    TlsTransport(SSLEngine engine, SocketChannel channel, byte[] consumed) throws SSLException {
        this.engine = engine;
        this.channel = channel;
        if (consumed.length > 0) {
            netIn = ByteBuffer.allocate(Math.max(consumed.length, engine.getSession().getPacketBufferSize()));
            netIn.put(consumed);
        }
        engine.beginHandshake();
    }

    /** Takes the packet buffers from {@code loop}'s pool (on its thread) and gives them back there once empty. */
    void pooledBy(EventLoop loop) {
        this.pool = loop;
    }

    private ByteBuffer takePacketBuffer() {
        int size = engine.getSession().getPacketBufferSize();
        return pool != null ? pool.takePacketBuffer(size) : ByteBuffer.allocate(size);
    }

    private void giveBack(ByteBuffer buffer) {
        if (pool != null && buffer.capacity() == engine.getSession().getPacketBufferSize()) {
            pool.giveBackPacketBuffer(buffer);
        }
    }

    SSLSession session() {
        return engine.getSession();
    }

    /**
     * Advances the handshake as far as it goes without waiting. Data
     * the client sent right behind its last handshake message is kept for {@link #read}.
     *
     * @throws IOException when the handshake failed or the client went away
     */
    Progress handshake() throws IOException {
        while (true) {
            if (!flushNet()) {
                return Progress.WRITE;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> wrap(EMPTY);
                case NEED_TASK -> {
                    return Progress.TASK;
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (unwrap() == 0) {
                        int read = readNet();
                        if (read < 0) {
                            throw new EOFException("Connection closed during the TLS handshake");
                        }
                        if (read == 0) {
                            return Progress.READ;
                        }
                    }
                    if (engine.isInboundDone()) {
                        throw new SSLException("Connection closed during the TLS handshake");
                    }
                }
                default -> {
                    releaseIdleBuffers();
                    return Progress.DONE;
                }
            }
        }
    }

    /**
     * Runs the engine's pending work (key and trust managers, which may block) on {@code executor}
     * ({@link TlsTasks}), then {@code then}, where {@link #handshake} goes on; a failed task fails the
     * handshake's next step. Skipped when {@code ended} says the session ended while the work waited for a thread
     * (the handshake deadline, a stop): a flood of handshakes leaves no crypto work behind for closed sessions.
     *
     * @throws java.util.concurrent.RejectedExecutionException when the executor takes no more
     */
    void runTasks(java.util.concurrent.Executor executor, java.util.function.BooleanSupplier ended, Runnable then) {
        executor.execute(() -> {
            try {
                for (Runnable task; !ended.getAsBoolean() && (task = engine.getDelegatedTask()) != null;) {
                    task.run();
                }
            }
            finally {
                then.run();
            }
        });
    }

    /** How the last unwrap ended; {@code BUFFER_UNDERFLOW} until more bytes come from the socket. */
    private SSLEngineResult.Status lastUnwrap;

    /**
     * Decrypts into {@code target} what has come; on an event loop, 0 when nothing complete has. Bytes after the
     * client's close_notify are never decrypted: the read after it is the end of the stream.
     */
    @Override
    public int read(ByteBuffer target) throws IOException {
        if (!target.hasRemaining()) {
            return 0;
        }
        while (true) {
            int taken = takeAppIn(target);
            if (taken > 0) {
                return taken;
            }
            if (engine.isInboundDone()) {
                return -1;
            }
            if (netIn != null && netIn.position() > 0 && lastUnwrap != SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                int produced = unwrapInto(target);
                if (produced > 0) {
                    releaseIdleBuffers();
                    return produced;
                }
                // Data kept in appIn, a record with none for us (a ticket, a key update), the close_notify, or
                // half a record: the next turn tells.
                continue;
            }
            int read = readNet();
            if (read <= 0) {
                releaseIdleBuffers();
                return read;
            }
        }
    }

    /** Whether {@link #read} may return something now without the selector's word: kept or closing input. */
    boolean hasBufferedInput() {
        return (appIn != null && appIn.hasRemaining()) || (netIn != null && netIn.position() > 0
                && lastUnwrap != SSLEngineResult.Status.BUFFER_UNDERFLOW) || engine.isInboundDone();
    }

    private int takeAppIn(ByteBuffer target) {
        if (appIn == null) {
            return 0;
        }
        int count = Math.min(appIn.remaining(), target.remaining());
        ByteBuffer slice = appIn.duplicate();
        slice.limit(slice.position() + count);
        target.put(slice);
        appIn.position(appIn.position() + count);
        if (!appIn.hasRemaining()) {
            appIn = null;
        }
        return count;
    }

    /** Unwraps one record into {@code target}, or into {@link #appIn} when it does not fit; the bytes produced. */
    private int unwrapInto(ByteBuffer target) throws IOException {
        netIn.flip();
        SSLEngineResult result;
        boolean kept = false;
        try {
            result = engine.unwrap(netIn, target);
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                kept = true;
                ByteBuffer spare = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
                result = engine.unwrap(netIn, spare);
                spare.flip();
                appIn = spare.hasRemaining() ? spare : null;
            }
        }
        finally {
            netIn.compact();
        }
        lastUnwrap = result.getStatus();
        if (result.bytesConsumed() == 0 && lastUnwrap == SSLEngineResult.Status.OK) {
            lastUnwrap = SSLEngineResult.Status.BUFFER_UNDERFLOW;
        }
        switch (result.getHandshakeStatus()) {
            // TLS 1.3 key update, or an alert: answered at once.
            case NEED_WRAP -> {
                wrap(EMPTY);
                flushNet();
            }
            // A TLS 1.2 renegotiation: costly for us, of no use to SMTP, and its work must not run on a loop.
            case NEED_TASK -> throw new SSLException("TLS renegotiation is not supported");
            default -> {
            }
        }
        return kept ? 0 : result.bytesProduced();
    }

    /** Unwraps handshake records; application data behind them is kept in {@link #appIn}. */
    private int unwrap() throws SSLException {
        if (netIn == null || netIn.position() == 0) {
            lastUnwrap = SSLEngineResult.Status.BUFFER_UNDERFLOW;
            return 0;
        }
        ByteBuffer spare = appIn != null ? appIn.compact()
                : ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        netIn.flip();
        try {
            SSLEngineResult result = engine.unwrap(netIn, spare);
            lastUnwrap = result.getStatus();
            if (lastUnwrap == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                // The client sent more data behind its handshake than a record holds, before we finished.
                throw new SSLException("Too much data during the TLS handshake");
            }
            return result.bytesConsumed();
        }
        finally {
            netIn.compact();
            spare.flip();
            appIn = spare.hasRemaining() ? spare : null;
        }
    }

    /** Reads from the socket into {@link #netIn}, taking or growing it as needed; as {@link SocketChannel#read}. */
    private int readNet() throws IOException {
        int packet = engine.getSession().getPacketBufferSize();
        if (netIn == null) {
            netIn = takePacketBuffer();
        }
        else if (!netIn.hasRemaining()) {
            if (netIn.capacity() >= 2 * packet) {
                // No record is that long: the engine would have failed it. Never grow without bound.
                throw new SSLException("TLS record larger than the session allows");
            }
            ByteBuffer bigger = ByteBuffer.allocate(netIn.capacity() + packet);
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
        }
        int read = channel.read(netIn);
        if (read > 0) {
            lastUnwrap = null;
        }
        return read;
    }

    private void releaseIdleBuffers() {
        if (netIn != null && netIn.position() == 0) {
            giveBack(netIn);
            netIn = null;
        }
    }

    /**
     * Encrypts from {@code source} what fits one record, once the encrypted bytes before it are out; on an event
     * loop a client that does not read makes this take nothing ({@link #hasPendingOutput}).
     *
     * @return the plain bytes taken from {@code source}
     */
    @Override
    public int write(ByteBuffer source) throws IOException {
        if (!flushNet()) {
            return 0;
        }
        int taken = wrap(source);
        flushNet();
        return taken;
    }

    private int wrap(ByteBuffer source) throws IOException {
        if (netOut == null) {
            netOut = takePacketBuffer();
        }
        else {
            netOut.compact();
        }
        try {
            SSLEngineResult result = engine.wrap(source, netOut);
            if (result.getStatus() == SSLEngineResult.Status.CLOSED && source.hasRemaining()) {
                throw new SSLException("TLS connection closed");
            }
            return result.bytesConsumed();
        }
        finally {
            netOut.flip();
        }
    }

    /** Sends encrypted bytes waiting; true when none are left. */
    boolean flushNet() throws IOException {
        while (netOut != null && netOut.hasRemaining()) {
            if (channel.write(netOut) == 0) {
                return false;
            }
        }
        if (netOut != null) {
            giveBack(netOut);
            netOut = null;
        }
        return true;
    }

    /** Whether encrypted bytes wait for the client to read them. */
    boolean hasPendingOutput() {
        return netOut != null && netOut.hasRemaining();
    }

    /**
     * Says close_notify, best-effort and without waiting: a blocking channel (no longer registered with a loop)
     * is made non-blocking first, since a client that does not read must not hold the closing thread.
     */
    void closeQuietly() {
        try {
            // After a failed handshake this sends the engine's alert, which tells the client why.
            engine.closeOutbound();
            if (!channel.isOpen()) {
                return;
            }
            if (channel.isBlocking()) {
                channel.configureBlocking(false);
            }
            if (flushNet()) {
                wrap(EMPTY);
                flushNet();
            }
        }
        catch (IOException | RuntimeException ex) {
            // The client is gone, or does not read: there is no one to tell.
        }
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
