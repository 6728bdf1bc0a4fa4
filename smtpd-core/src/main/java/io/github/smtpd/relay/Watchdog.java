package io.github.smtpd.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Bounds writes to the upstream. A socket's read timeout does not cover writes: an upstream that stops
 * reading would block a write, and the client's session with it, for ever. Each write is given a deadline,
 * after which the socket is closed, which makes the write fail.
 */
final class Watchdog {

    private static final ScheduledThreadPoolExecutor TIMER = createTimer();

    private Watchdog() {
    }

    private static ScheduledThreadPoolExecutor createTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "smtpd-upstream-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        // Almost every deadline is cancelled: do not let them pile up in the queue.
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** An output stream whose every write and flush must finish within {@code timeout}. */
    static TimedOutputStream guard(OutputStream out, Socket socket, Duration timeout) {
        return new TimedOutputStream(out, socket, timeout.toMillis());
    }

    static final class TimedOutputStream extends OutputStream {

        private final OutputStream out;

        private final Socket socket;

        private final long timeoutMillis;

        private volatile boolean expired;

        TimedOutputStream(OutputStream out, Socket socket, long timeoutMillis) {
            this.out = out;
            this.socket = socket;
            this.timeoutMillis = timeoutMillis;
        }

        /** Whether a write ran out of time (and the socket was closed for it). */
        boolean expired() {
            return expired;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] { (byte) b }, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            ScheduledFuture<?> deadline = arm();
            try {
                out.write(bytes, offset, length);
            }
            finally {
                deadline.cancel(false);
            }
        }

        @Override
        public void flush() throws IOException {
            ScheduledFuture<?> deadline = arm();
            try {
                out.flush();
            }
            finally {
                deadline.cancel(false);
            }
        }

        private ScheduledFuture<?> arm() {
            return TIMER.schedule(() -> {
                expired = true;
                try {
                    socket.close();
                }
                catch (IOException ex) {
                    // Closed already.
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
