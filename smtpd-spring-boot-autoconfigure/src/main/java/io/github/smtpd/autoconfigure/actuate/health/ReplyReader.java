package io.github.smtpd.autoconfigure.actuate.health;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;

/**
 * Reads one SMTP/LMTP reply, single or multi-line, for a health check. Bounded, because the other end is not
 * trusted to behave: a line longer than {@value #MAX_LINE} bytes or a reply of more than {@value #MAX_LINES} lines
 * is a protocol error, not an allocation.
 */
final class ReplyReader {

    static final int MAX_LINE = 2048;

    static final int MAX_LINES = 100;

    private final InputStream in;

    ReplyReader(InputStream in) {
        this.in = in;
    }

    /** A reply: its code and its first line, as the upstream wrote it. */
    record Reply(int code, String firstLine) {

        boolean isPositive() {
            return code >= 200 && code < 400;
        }
    }

    Reply read() throws IOException {
        String first = null;
        for (int lines = 0; lines < MAX_LINES; lines++) {
            String line = readLine();
            if (line.length() < 3 || !isDigits(line.substring(0, 3))
                    || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new ProtocolException("not an SMTP reply: " + printable(line));
            }
            if (first == null) {
                first = line;
            }
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(Integer.parseInt(first.substring(0, 3)), printable(first));
            }
        }
        throw new ProtocolException("reply longer than " + MAX_LINES + " lines");
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed by the upstream");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = (bytes.length > 0 && bytes[bytes.length - 1] == '\r') ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_LINE) {
                throw new ProtocolException("reply line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
    }

    private static boolean isDigits(String text) {
        return text.chars().allMatch((c) -> c >= '0' && c <= '9');
    }

    /** The text safe to show in a health detail: no control characters, at most 200 characters. */
    private static String printable(String text) {
        return io.github.smtpd.Reply.sanitize(text);
    }
}
