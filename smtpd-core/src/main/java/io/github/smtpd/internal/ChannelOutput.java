package io.github.smtpd.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Replies on their way to a client whose socket an event loop watches: buffered until {@link #flush()}, which
 * writes what the socket takes now and keeps the rest. In blocking mode (a session behind a proxy, before it
 * joins its loop) a flush writes everything. It also tells the watchdog how long replies have waited for the client, either way. Under
 * TLS the replies go through a {@link TlsTransport}, whose encrypted bytes waiting count as pending too.
 */
final class ChannelOutput extends OutputStream {

    private final SocketChannel channel;

    /** Encrypts what is written, once TLS has started; {@code null} in the clear. */
    private TlsTransport tls;

    /** TLS to switch to once the bytes buffered now (the 220 to STARTTLS) have gone out in the clear. */
    private TlsTransport nextTls;

    private byte[] buffer = new byte[512];

    private int start;

    private int end;

    /** When bytes began to wait for the client to read them ({@link System#nanoTime()}), or 0. */
    private volatile long pendingSince;

    ChannelOutput(SocketChannel channel) {
        this.channel = channel;
    }

    @Override
    public void write(int b) {
        write(new byte[] { (byte) b }, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        makeRoom(length);
        System.arraycopy(bytes, offset, buffer, end, length);
        end += length;
    }

    /**
     * Writes {@code text} in UTF-8, straight into the buffer when it is ASCII, as replies are but for an address
     * echoed in an SMTPUTF8 transaction: encoding each reply to a new array was a tenth of what a session
     * allocated per message.
     */
    void writeText(String text) {
        int length = text.length();
        makeRoom(length);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                write(bytes, 0, bytes.length);
                return;
            }
            buffer[end + i] = (byte) c;
        }
        end += length;
    }

    private void makeRoom(int length) {
        if (end + length > buffer.length) {
            int pending = end - start;
            byte[] target = pending + length > buffer.length
                    ? new byte[Math.max(buffer.length * 2, pending + length)] : buffer;
            System.arraycopy(buffer, start, target, 0, pending);
            buffer = target;
            start = 0;
            end = pending;
        }
    }

    /** The socket's view of the bytes waiting in {@link #buffer}: kept, rather than wrapped anew for every write. */
    private ByteBuffer waiting = ByteBuffer.wrap(buffer);

    private ByteBuffer waiting() {
        if (waiting.array() != buffer) {
            waiting = ByteBuffer.wrap(buffer);
        }
        waiting.limit(end).position(start);
        return waiting;
    }

    /**
     * Makes what is written from now on go through {@code transport}; what is buffered still goes in the clear
     * first. The session writes nothing more until the handshake is done.
     */
    void startTls(TlsTransport transport) {
        if (start == end) {
            tls = transport;
        }
        else {
            nextTls = transport;
        }
    }

    /** Writes what the socket takes; the rest waits for {@link #hasPending()} to be cleared by another flush. */
    @Override
    public void flush() throws IOException {
        if (!hasPending()) {
            return;
        }
        if (channel.isBlocking()) {
            // Off the loop a write may block on a client that does not read: the watchdog must see it waiting.
            pendingSince = System.nanoTime() | 1;
        }
        if (tls == null || tls.flushNet()) {
            while (start < end) {
                // Under TLS a write takes a record at most.
                int written = tls != null ? tls.write(waiting()) : channel.write(waiting());
                if (written == 0) {
                    break;
                }
                start += written;
            }
        }
        if (start == end) {
            start = 0;
            end = 0;
            if (nextTls != null) {
                tls = nextTls;
                nextTls = null;
            }
        }
        if (!hasPending()) {
            pendingSince = 0;
        }
        else if (pendingSince == 0) {
            pendingSince = System.nanoTime() | 1;
        }
    }

    /** Bytes written and not yet taken by the socket. */
    int buffered() {
        return end - start;
    }

    boolean hasPending() {
        return start != end || (tls != null && tls.hasPendingOutput());
    }

    /** How long written replies have waited for the client to read them, in nanoseconds; 0 when none wait. */
    long pendingNanos(long now) {
        long since = pendingSince;
        return since == 0 ? 0 : now - since;
    }
}
