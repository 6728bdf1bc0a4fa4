package io.github.smtpd.relay;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Bytes written by an encoder, sent or copied from where they are rather than through {@code toByteArray()}. */
final class ExposedBytes extends ByteArrayOutputStream {

    ExposedBytes(int size) {
        super(size);
    }

    /** The bytes written so far; valid until the next write or reset. */
    ByteBuffer view() {
        return ByteBuffer.wrap(buf, 0, count);
    }
}
