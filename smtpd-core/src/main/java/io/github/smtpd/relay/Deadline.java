package io.github.smtpd.relay;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

/**
 * A connection's overall deadline ({@link UpstreamOptions#deadline()}): the per-read timeout restarts with every
 * byte, so an upstream that drips one byte a second never trips it; this closes the socket when the deadline
 * passes, whatever the connection is doing (connecting, a read, a write, a TLS handshake), which makes that I/O
 * fail. It rides on the relay's one {@link Watchdog} thread rather than a timer of its own.
 */
final class Deadline implements Watchdog.Watched {

    private final Socket socket;

    private final long atNanos;

    private final Duration limit;

    private volatile boolean expired;

    private Deadline(Socket socket, long atNanos, Duration limit) {
        this.socket = socket;
        this.atNanos = atNanos;
        this.limit = limit;
    }

    /** Watches {@code socket} until {@code atNanos} (nanoTime), the end of {@code limit} counted from connect. */
    static Deadline watch(Socket socket, long atNanos, Duration limit) {
        Deadline deadline = new Deadline(socket, atNanos, limit);
        Watchdog.watch(deadline, limit);
        return deadline;
    }

    /** Whether the deadline has passed (the socket is closed, or is about to be). */
    boolean passed() {
        return expired || System.nanoTime() - atNanos >= 0;
    }

    /** {@code timeout} or what is left of the deadline, whichever is shorter, in milliseconds, at least 1. */
    int shorten(Duration timeout) {
        long left = Math.max(1, (atNanos - System.nanoTime()) / 1_000_000);
        return (int) Math.min(Integer.MAX_VALUE, Math.min(timeout.toMillis(), left));
    }

    /** The failure to report instead of {@code cause}, which the closed socket (or the deadline) brought about. */
    DeadlineExceededException exceeded(Throwable cause) {
        return new DeadlineExceededException(limit, cause);
    }

    @Override
    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public boolean overdue(long now) {
        return now - atNanos >= 0;
    }

    @Override
    public void expire() {
        expired = true;
        try {
            socket.close();
        }
        catch (IOException ex) {
            // Closed already.
        }
    }
}
