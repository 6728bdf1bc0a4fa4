package io.github.smtpd.internal;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

import io.github.smtpd.Reply;

/**
 * A session's way to its client: replies written with the enhanced codes they need, flushed when the input is
 * drained, and the connection closed, all under one write lock so that a close never cuts a reply in half. Also
 * what the session remembers of its output: whether it is closed, whether the 421 farewell was said, and the
 * last reply (which the command's event reports).
 */
final class SessionOutput {

    /** A {@link ReentrantLock}, not {@code synchronized}: a virtual thread writing here must not pin its carrier. */
    private final ReentrantLock writeLock = new ReentrantLock();

    /** The replies, which may wait in memory for a client that reads slowly. */
    private final ChannelOutput channelOutput;

    private volatile boolean closed;

    /** Whether a 421 was sent, so the goodbye is not said twice. */
    private boolean farewellSent;

    private Reply lastReply;

    SessionOutput(ChannelOutput channelOutput) {
        this.channelOutput = channelOutput;
    }

    /** The buffered replies, for what a session decides on what waits for its client. */
    ChannelOutput channel() {
        return channelOutput;
    }

    /**
     * Writes a reply; with enhanced status codes on (after EHLO), one without a code gets the generic code of
     * its class, so every reply carries one (RFC 2034), except the 3xx intermediate replies (354, 334).
     */
    void write(Reply reply, boolean enhanced) {
        lastReply = reply;
        if (reply.code() == 421) {
            farewellSent = true;
        }
        if (enhanced && reply.enhancedCode() == null && reply.code() / 100 != 3) {
            reply = reply.withEnhancedCode(reply.code() / 100 + ".0.0");
        }
        String wire = reply.toWire(enhanced);
        writeLock.lock();
        try {
            if (closed) {
                throw new java.io.UncheckedIOException(new java.net.SocketException("Session closed"));
            }
            channelOutput.writeText(wire);
        }
        finally {
            writeLock.unlock();
        }
    }

    void flush() throws IOException {
        writeLock.lock();
        try {
            if (!closed) {
                channelOutput.flush();
            }
        }
        finally {
            writeLock.unlock();
        }
    }

    void flushQuietly() {
        try {
            flush();
        }
        catch (IOException ex) {
            // The client is gone.
        }
    }

    /** The connection ends: {@code closing} closes it (TLS layer, then channel), after any write in progress. */
    void close(Closing closing) {
        writeLock.lock();
        try {
            closed = true;
            closing.close();
        }
        catch (IOException ex) {
            // Already closed.
        }
        finally {
            writeLock.unlock();
        }
    }

    /** How a session closes its connection. */
    interface Closing {
        void close() throws IOException;
    }

    /** Marks the output closed without the lock: another thread closes the plain socket under it (hardClose). */
    void markClosed() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    boolean farewellSent() {
        return farewellSent;
    }

    /** The last reply written, or {@code null} since {@link #forgetLastReply()}. */
    Reply lastReply() {
        return lastReply;
    }

    void forgetLastReply() {
        lastReply = null;
    }
}
