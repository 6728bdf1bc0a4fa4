package io.github.smtpd.internal;

import java.io.InputStream;

/**
 * An endless stream that replays one payload, handing out at most {@code chunk} bytes per read as a socket
 * would, so a benchmark can read from the same {@link SmtpInput} for as long as JMH wants.
 */
final class RepeatingInputStream extends InputStream {

    private final byte[] payload;

    private final int chunk;

    private int position;

    RepeatingInputStream(byte[] payload, int chunk) {
        this.payload = payload;
        this.chunk = chunk;
    }

    @Override
    public int read() {
        byte b = payload[position];
        position = (position + 1) % payload.length;
        return b & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        int n = Math.min(Math.min(len, chunk), payload.length - position);
        System.arraycopy(payload, position, b, off, n);
        position += n;
        if (position == payload.length) {
            position = 0;
        }
        return n;
    }

    @Override
    public int available() {
        return payload.length - position;
    }
}
