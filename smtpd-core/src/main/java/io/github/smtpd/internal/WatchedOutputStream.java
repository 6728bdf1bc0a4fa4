package io.github.smtpd.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The socket's output, noting when a write started, so the session's watchdog can disconnect a client that stops
 * reading its replies: Java has no timeout for socket writes, and such a client would hold a session forever.
 * The relay's upstream writes are watched the same way.
 */
public class WatchedOutputStream extends FilterOutputStream {

    private volatile long writingSince;

    public WatchedOutputStream(OutputStream out) {
        super(out);
    }

    /** How long the current write has been blocked, in nanoseconds; 0 when none is in progress. */
    public long writingNanos(long now) {
        long since = writingSince;
        return since == 0 ? 0 : now - since;
    }

    @Override
    public void write(int b) throws IOException {
        writingSince = System.nanoTime() | 1;
        try {
            out.write(b);
        }
        finally {
            writingSince = 0;
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        writingSince = System.nanoTime() | 1;
        try {
            out.write(bytes, offset, length);
        }
        finally {
            writingSince = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        writingSince = System.nanoTime() | 1;
        try {
            out.flush();
        }
        finally {
            writingSince = 0;
        }
    }
}
