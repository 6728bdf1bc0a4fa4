package io.github.smtpd.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What one exchange with the upstream sends, piece by piece: a command line or a few pipelined ones, or a message
 * whose content is read and encoded as it goes, so that a large one is never held whole. The blocking and the
 * event-loop connection send the same pieces.
 */
interface Outgoing {

    /**
     * The next piece, or {@code null} at the end; valid until the next call.
     *
     * @throws Unreadable when our own copy of the message could not be read (not the upstream's fault)
     */
    ByteBuffer next() throws IOException;

    /** Command lines, each ended with CRLF, in one piece. */
    static Outgoing lines(String... lines) {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("An SMTP command must not contain CR or LF");
            }
            text.append(line).append("\r\n");
        }
        return of(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** {@code bytes}, in one piece. */
    static Outgoing of(byte[] bytes) {
        return new Outgoing() {
            private boolean sent;

            @Override
            public ByteBuffer next() {
                if (sent) {
                    return null;
                }
                sent = true;
                return ByteBuffer.wrap(bytes);
            }
        };
    }

    /** {@code pieces}, one after the other (e.g. a BDAT command and its chunk, without copying the chunk). */
    static Outgoing pieces(ByteBuffer... pieces) {
        return new Outgoing() {
            private int next;

            @Override
            public ByteBuffer next() {
                return next < pieces.length ? pieces[next++] : null;
            }
        };
    }

    /** Our spool failed while the message was being sent: the connection must be dropped, not blamed. */
    final class Unreadable extends IOException {

        private static final long serialVersionUID = 1L;

        Unreadable(IOException cause) {
            super("Could not read the message content", cause);
        }
    }
}
