package io.github.smtpd.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay's content encoder against a byte-at-a-time statement of what it must do, on content full of the bytes
 * that matter (CR, LF, dots) cut into writes of every size, so that a line end or a dot split between two writes
 * is covered.
 */
class DataEncoderTest {

    /** Every CR, LF and CRLF becomes CRLF; with dot-stuffing, a dot starting a line is doubled and ".CRLF" ends. */
    private static byte[] expected(byte[] content, boolean dotStuffed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (int i = 0; i < content.length; i++) {
            byte b = content[i];
            if (b == '\r' || b == '\n') {
                if (b == '\r' && i + 1 < content.length && content[i + 1] == '\n') {
                    i++;
                }
                out.write('\r');
                out.write('\n');
                lineStart = true;
                continue;
            }
            if (dotStuffed && lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = false;
        }
        if (!lineStart) {
            out.write('\r');
            out.write('\n');
        }
        if (dotStuffed) {
            out.writeBytes(".\r\n".getBytes());
        }
        return out.toByteArray();
    }

    private static byte[] encoded(byte[] content, boolean dotStuffed, Random cuts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataEncoder encoder = dotStuffed ? DataEncoder.forData(out) : DataEncoder.forChunk(out);
        int offset = 0;
        while (offset < content.length) {
            int length = Math.min(content.length - offset, 1 + cuts.nextInt(cuts.nextBoolean() ? 4 : 40_000));
            encoder.write(content, offset, length);
            offset += length;
        }
        encoder.finish();
        return out.toByteArray();
    }

    @ParameterizedTest(name = "dot-stuffed: {0}")
    @ValueSource(booleans = { true, false })
    void encodesLikeTheByteAtATimeRuleWhereverTheWritesAreCut(boolean dotStuffed) throws IOException {
        Random random = new Random(42);
        byte[] alphabet = { '\r', '\n', '.', 'a', 'b', ' ', (byte) 0xe9 };
        for (int round = 0; round < 200; round++) {
            byte[] content = new byte[random.nextInt(round < 100 ? 64 : 100_000)];
            for (int i = 0; i < content.length; i++) {
                // Mostly ordinary bytes in long runs, as in mail, with the special ones among them.
                content[i] = random.nextInt(10) < 7 ? (byte) 'x' : alphabet[random.nextInt(alphabet.length)];
            }
            assertThat(encoded(content, dotStuffed, random)).as("round %d", round)
                .isEqualTo(expected(content, dotStuffed));
        }
    }

    @Test
    void countsTheLineEndsItRepaired() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataEncoder encoder = DataEncoder.forData(out);
        byte[] content = "a\nb\rc\r\nd\r".getBytes();
        encoder.write(content, 0, content.length);
        encoder.finish();
        assertThat(out.toString()).isEqualTo("a\r\nb\r\nc\r\nd\r\n.\r\n");
        assertThat(encoder.repairedLineEnds()).isEqualTo(3);
    }
}
