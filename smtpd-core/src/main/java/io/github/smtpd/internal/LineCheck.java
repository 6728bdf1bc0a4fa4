package io.github.smtpd.internal;

import java.io.IOException;

/**
 * Watches a message sent in BDAT chunks for what DATA's reader reports ({@link SmtpInput#BARE_LINE_ENDING},
 * {@link SmtpInput#LONG_LINE}), so that the line ending policy and the line length limit hold whichever way a
 * message came. BDAT itself has no end marker to fake, but a bare LF accepted here could still end a message at a
 * lenient server this one hands it to. Only made when one of the two checks is on, and not for BINARYMIME.
 */
final class LineCheck implements SmtpInput.DataSink {

    private final SmtpInput.DataSink next;

    private final int maxLineLength;

    private boolean afterCr;

    private long lineLength;

    private int flags;

    LineCheck(SmtpInput.DataSink next, int maxLineLength) {
        this.next = next;
        this.maxLineLength = maxLineLength;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (afterCr) {
                afterCr = false;
                if (b == '\n') {
                    // A line ends at CRLF; its length does not count the CRLF.
                    if (maxLineLength > 0 && lineLength > maxLineLength) {
                        flags |= SmtpInput.LONG_LINE;
                    }
                    lineLength = 0;
                    continue;
                }
                flags |= SmtpInput.BARE_LINE_ENDING;
                lineLength++;
            }
            if (b == '\r') {
                afterCr = true;
            }
            else {
                if (b == '\n') {
                    flags |= SmtpInput.BARE_LINE_ENDING;
                }
                lineLength++;
            }
        }
        next.write(bytes, offset, length);
    }

    /** The flags for the whole message, once its last chunk is in. */
    int flags() {
        int all = flags;
        if (afterCr) {
            all |= SmtpInput.BARE_LINE_ENDING;
        }
        if (maxLineLength > 0 && lineLength > maxLineLength) {
            all |= SmtpInput.LONG_LINE;
        }
        return all;
    }
}
