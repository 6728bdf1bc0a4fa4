package io.github.smtpd.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.smtpd.internal.WatchedOutputStream;

/**
 * Bounds writes to the upstream. A socket's read timeout does not cover writes: an upstream that stops
 * reading would block a write, and the client's session with it, for ever. A write that has not finished
 * within the timeout gets its socket closed, which makes it fail.
 *
 * <p>One daemon thread checks the writes in progress a few times per timeout. A timer armed and cancelled per
 * write would wake a timer thread on every write: two more context switches per relayed command, which was a
 * fifth of the proxy's CPU time.
 */
final class Watchdog {

    /** What is watched: guarded streams and connections on an event loop; each leaves when it is closed. */
    private static final Set<Watched> STREAMS = ConcurrentHashMap.newKeySet();

    /** Something whose I/O must make progress within its timeout. */
    interface Watched {

        /** Whether it is closed, so that it need no longer be watched. */
        boolean isClosed();

        /** Whether its I/O in progress has waited longer than its timeout, as of {@code now} (nanoTime). */
        boolean overdue(long now);

        /** Makes the I/O in progress fail (as timed out), and closes the connection. */
        void expire();
    }

    private static final Object MONITOR = new Object();

    private static Thread checker;

    /** How often the checker looks: a quarter of the shortest timeout, between 10 ms and 1 s. */
    private static volatile long intervalMillis = 1000;

    private Watchdog() {
    }

    /** An output stream whose every write and flush must finish within {@code timeout}. */
    static TimedOutputStream guard(OutputStream out, Socket socket, Duration timeout) {
        TimedOutputStream stream = new TimedOutputStream(out, socket, timeout.toMillis());
        watch(stream, timeout);
        return stream;
    }

    /** Watches {@code watched} until it is closed; {@code timeout} is the shortest it uses. */
    static void watch(Watched watched, Duration timeout) {
        synchronized (MONITOR) {
            intervalMillis = Math.min(intervalMillis, Math.max(10, timeout.toMillis() / 4));
            STREAMS.add(watched);
            if (checker == null) {
                checker = new Thread(Watchdog::check, "smtpd-upstream-watchdog");
                checker.setDaemon(true);
                checker.start();
            }
            MONITOR.notifyAll();
        }
    }

    private static void check() {
        while (true) {
            try {
                synchronized (MONITOR) {
                    while (STREAMS.isEmpty()) {
                        MONITOR.wait();
                    }
                }
                Thread.sleep(intervalMillis);
            }
            catch (InterruptedException ex) {
                // A daemon that lives as long as the JVM: go on.
            }
            long now = System.nanoTime();
            for (Watched stream : STREAMS) {
                if (stream.isClosed()) {
                    STREAMS.remove(stream);
                }
                else if (stream.overdue(now)) {
                    stream.expire();
                    STREAMS.remove(stream);
                }
            }
        }
    }

    static final class TimedOutputStream extends WatchedOutputStream implements Watched {

        private final Socket socket;

        private final long timeoutNanos;

        private volatile boolean expired;

        TimedOutputStream(OutputStream out, Socket socket, long timeoutMillis) {
            super(out);
            this.socket = socket;
            this.timeoutNanos = timeoutMillis * 1_000_000;
        }

        /** Whether a write ran out of time (and the socket was closed for it). */
        boolean expired() {
            return expired;
        }

        @Override
        public boolean isClosed() {
            return socket.isClosed();
        }

        @Override
        public boolean overdue(long now) {
            return writingNanos(now) > timeoutNanos;
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

        @Override
        public void close() throws IOException {
            STREAMS.remove(this);
            out.close();
        }
    }
}
