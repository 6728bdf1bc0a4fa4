package io.github.smtpd.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * A session's TLS input as a blocking stream, for a session that left its event loop: the channel under the
 * {@link TlsTransport} is blocking then, and a read waits for a whole record. The watchdog ends such a wait as
 * any other, by shutting the socket's input down (the read sees the end of the stream).
 */
final class BlockingInput extends InputStream {

    private final TlsTransport transport;

    BlockingInput(TlsTransport transport) {
        this.transport = transport;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        int read;
        do {
            // 0 only for a record that held nothing for us (a session ticket, a key update).
            read = transport.read(ByteBuffer.wrap(bytes, offset, length));
        }
        while (read == 0);
        return read;
    }

    /** Only decrypted bytes count: half a record may wait for the client, who waits for our replies first. */
    @Override
    public int available() {
        return transport.hasDecrypted() ? 1 : 0;
    }
}
