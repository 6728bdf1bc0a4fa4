package io.github.smtpd.relay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * A message's content after {@code DATA}, read and dot-stuffed a piece at a time, then the final dot: what goes
 * upstream is never held whole, whether a blocking stream or an event loop sends it.
 */
final class EncodedContent implements Outgoing {

    /** Read per piece: enough for few system calls, small enough that a message's buffers are cheap garbage. */
    private static final int PIECE = 16 * 1024;

    /**
     * The encoded bytes of the current piece; its buffer is reused for the next. Dot-stuffing and repaired line
     * ends may make a piece grow; the stream grows with it.
     */
    private final ExposedBytes pieces = new ExposedBytes(PIECE + PIECE / 8);

    private final DataEncoder encoder = DataEncoder.forData(pieces);

    private final InputStream content;

    private byte[] head;

    private final byte[] read = new byte[PIECE];

    private boolean ended;

    /** @param head the content's first bytes, already read from {@code content} */
    EncodedContent(byte[] head, InputStream content) {
        this.head = head;
        this.content = content;
    }

    DataEncoder encoder() {
        return encoder;
    }

    @Override
    public ByteBuffer next() throws IOException {
        if (ended) {
            return null;
        }
        pieces.reset();
        if (head != null && head.length > 0) {
            encoder.write(head, 0, head.length);
            head = null;
            return pieces.view();
        }
        head = null;
        int count;
        try {
            count = content.read(read, 0, read.length);
        }
        catch (IOException ex) {
            throw new Unreadable(ex);
        }
        if (count < 0) {
            encoder.finish();
            ended = true;
        }
        else {
            encoder.write(read, 0, count);
        }
        return pieces.view();
    }
}
