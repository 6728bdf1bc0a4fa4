package io.github.smtpd.relay;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes message content as SMTP DATA (RFC 5321 4.5.2): a dot at the start of a line is doubled and the
 * data ends with {@code CRLF.CRLF}; or, {@link #forChunk for a BDAT chunk} (RFC 3030), as it is.
 *
 * <p>Bare LF and lone CR become CRLF on the way. Our own server ends DATA only at {@code CRLF.CRLF}, so it may
 * hold {@code LF.CRLF} or {@code CR.CR} as content; an upstream that takes a bare LF or CR as a line end would
 * read such a dot as the end of the data and the rest as commands (SMTP smuggling). Once every line ends in
 * CRLF, dot-stuffing covers every line start both sides can see, and only our final {@code CRLF.CRLF} can end
 * the message. Content that already uses CRLF, as RFC 5322 requires, passes byte for byte.
 */
final class DataEncoder {

    private static final byte CR = '\r';

    private static final byte LF = '\n';

    private static final byte DOT = '.';

    private final OutputStream out;

    /** DATA's transparency (dot-stuffing and the final dot); BDAT has a byte count instead. */
    private final boolean dotStuffed;

    private final byte[] buffer = new byte[16384];

    private int used;

    private boolean lineStart = true;

    private boolean heldCr;

    private long repairedLineEnds;

    private DataEncoder(OutputStream out, boolean dotStuffed) {
        this.out = out;
        this.dotStuffed = dotStuffed;
    }

    /** For the content after {@code DATA}. */
    static DataEncoder forData(OutputStream out) {
        return new DataEncoder(out, true);
    }

    /**
     * For a whole message in one {@code BDAT LAST} chunk: line ends are repaired all the same, so the upstream
     * gets the same bytes as after DATA, but nothing is dot-stuffed.
     */
    static DataEncoder forChunk(OutputStream out) {
        return new DataEncoder(out, false);
    }

    void write(byte[] bytes, int offset, int length) throws IOException {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            byte b = bytes[i];
            if (heldCr) {
                heldCr = false;
                newline();
                if (b == LF) {
                    i++;
                    continue;
                }
                repairedLineEnds++;
            }
            if (b == CR) {
                heldCr = true;
                i++;
            }
            else if (b == LF) {
                repairedLineEnds++;
                newline();
                i++;
            }
            else {
                if (dotStuffed && lineStart && b == DOT) {
                    put(DOT);
                }
                // The rest of the line, up to its CR or LF, goes in one copy: most bytes need nothing done.
                int run = i + 1;
                while (run < end && bytes[run] != CR && bytes[run] != LF) {
                    run++;
                }
                putAll(bytes, i, run - i);
                lineStart = false;
                i = run;
            }
        }
    }

    /** Ends the data with CRLF.CRLF (a chunk with CRLF), adding the CRLF the last line lacks, if it does. */
    void finish() throws IOException {
        if (heldCr) {
            heldCr = false;
            repairedLineEnds++;
            newline();
        }
        if (!lineStart) {
            newline();
        }
        if (dotStuffed) {
            put(DOT);
            put(CR);
            put(LF);
        }
        out.write(buffer, 0, used);
        used = 0;
        out.flush();
    }

    /** How many bare LFs and lone CRs were turned into CRLF, for the log. */
    long repairedLineEnds() {
        return repairedLineEnds;
    }

    private void newline() throws IOException {
        put(CR);
        put(LF);
        lineStart = true;
    }

    private void putAll(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            if (used == buffer.length) {
                out.write(buffer, 0, used);
                used = 0;
            }
            int count = Math.min(length, buffer.length - used);
            System.arraycopy(bytes, offset, buffer, used, count);
            used += count;
            offset += count;
            length -= count;
        }
    }

    private void put(byte b) throws IOException {
        if (used == buffer.length) {
            out.write(buffer, 0, used);
            used = 0;
        }
        buffer[used++] = b;
    }
}
