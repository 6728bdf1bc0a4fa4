package io.github.smtpd.internal;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Fuzzes the DATA reader against a plain reference: the data ends at the first CRLF.CRLF (counting the CRLF of
 * the DATA command), and a dot that starts a CRLF line is removed — whatever the read sizes.
 */
class DataReaderFuzzTest {

    @FuzzTest
    void matchesTheReference(FuzzedDataProvider data) throws IOException {
        int bufferSize = data.consumeInt(1, 64);
        int maxRead = data.consumeInt(1, 64);
        byte[] stream = data.consumeRemainingAsBytes();
        byte[] expected = reference(stream);
        InputStream in = new ChoppyInputStream(stream, maxRead);
        SmtpInput input = new SmtpInput(in, bufferSize, () -> {
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            input.readData(out::write, 0);
            if (expected == null) {
                fail("reader found an end of data that is not there: " + describe(stream));
            }
            assertThat(out.toByteArray()).as(describe(stream)).isEqualTo(expected);
        }
        catch (EOFException ex) {
            assertThat(expected).as("reader missed the end of data: " + describe(stream)).isNull();
        }
    }

    /** The content, or {@code null} when the stream has no end of data. */
    static byte[] reference(byte[] stream) {
        byte[] withCommandEnd = new byte[stream.length + 2];
        withCommandEnd[0] = '\r';
        withCommandEnd[1] = '\n';
        System.arraycopy(stream, 0, withCommandEnd, 2, stream.length);
        byte[] end = { '\r', '\n', '.', '\r', '\n' };
        int at = indexOf(withCommandEnd, end);
        if (at < 0) {
            return null;
        }
        // Content runs from after the first CRLF to the CRLF before the final dot, inclusive.
        byte[] content = Arrays.copyOfRange(withCommandEnd, 2, at + 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (int i = 0; i < content.length; i++) {
            if (lineStart && content[i] == '.') {
                lineStart = false;
                continue;
            }
            out.write(content[i]);
            lineStart = content[i] == '\n' && i > 0 && content[i - 1] == '\r';
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String describe(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1).replace("\r", "<CR>").replace("\n", "<LF>");
    }

    /** Hands out at most {@code maxRead} bytes per read, to cross buffer boundaries everywhere. */
    private static final class ChoppyInputStream extends InputStream {
        private final byte[] bytes;

        private final int maxRead;

        private int position;

        ChoppyInputStream(byte[] bytes, int maxRead) {
            this.bytes = bytes;
            this.maxRead = maxRead;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= bytes.length) {
                return -1;
            }
            int count = Math.min(Math.min(length, maxRead), bytes.length - position);
            System.arraycopy(bytes, position, buffer, offset, count);
            position += count;
            return count;
        }
    }
}
