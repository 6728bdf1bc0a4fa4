package io.github.smtpd.mode;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import io.github.smtpd.internal.IpText;

/**
 * smtpd's optional {@code X-Peer: <client ip>} header, put where smtpd's PureProxy put it: before the first
 * empty line, that is at the end of the header section, or at the very end of a message that has none. So it
 * lands below the trace block ({@code Received:} fields at the top, RFC 5321 4.4), which stays in one piece.
 * The {@code Received:} field itself is the engine's ({@code SmtpServer.Builder.receivedHeader}), never this
 * mode's: one hop, one trace field.
 *
 * <p>Only the header section is read byte by byte; after the insertion the content streams through in bulk.
 */
final class PeerHeader extends FilterInputStream {

    private final byte[] header;

    /** Still looking for the insertion point. */
    private boolean scanning = true;

    private boolean atLineStart = true;

    /** Bytes to return before reading on: the header, with what surrounds it. */
    private byte[] pending = new byte[0];

    private int pendingPosition;

    private PeerHeader(InputStream content, byte[] header) {
        super(content);
        this.header = header;
    }

    /** The content with {@code X-Peer: ip} inserted; the address is written as smtpd wrote it (RFC 5952). */
    static InputStream insert(InputStream content, InetAddress ip) {
        return new PeerHeader(content, ("X-Peer: " + IpText.of(ip) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public int read() throws IOException {
        if (pendingPosition < pending.length) {
            return pending[pendingPosition++] & 0xff;
        }
        int b = in.read();
        if (!scanning) {
            return b;
        }
        if (b >= 0 && !(atLineStart && (b == '\r' || b == '\n'))) {
            atLineStart = b == '\n';
            return b;
        }
        // The first empty line, or the end of a message without one: the header goes here.
        scanning = false;
        ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + 3);
        if (!atLineStart) {
            // A last line without its line end: end it, so that the header stands on a line of its own.
            out.write('\r');
            out.write('\n');
        }
        out.writeBytes(header);
        if (b >= 0) {
            out.write(b);
        }
        pending = out.toByteArray();
        pendingPosition = 1;
        return pending[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (!scanning && pendingPosition >= pending.length) {
            return in.read(buffer, offset, length);
        }
        int count = 0;
        while (count < length) {
            int b = read();
            if (b < 0) {
                return count == 0 ? -1 : count;
            }
            buffer[offset + count++] = (byte) b;
            if (!scanning && pendingPosition >= pending.length) {
                break; // the rest in bulk, on the next call
            }
        }
        return count;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipping would bypass the insertion; nobody needs it.
        return 0;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
