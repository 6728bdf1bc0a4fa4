package io.github.smtpd;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Where a message's bytes are: in memory, or in a temporary file for large messages. */
public interface MessageContent {

    /** The number of bytes. */
    long size();

    /** A new stream over the bytes, from the start. */
    InputStream open() throws IOException;

    /** Content held in memory, for tests and for processors that build messages. */
    static MessageContent of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new MessageContent() {
            @Override
            public long size() {
                return copy.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(copy);
            }
        };
    }
}
