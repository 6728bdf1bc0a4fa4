package io.github.smtpd.relay;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;

import io.github.smtpd.Reply;

/**
 * Reads the upstream's replies. The upstream is trusted no more than a client: lines and line counts are
 * bounded, and control characters are masked, since its text may be passed on to our client.
 */
final class ReplyReader {

    /** RFC 5321 4.5.3.1.5 allows 512 octets; real servers send longer, so allow some room. */
    static final int MAX_LINE = 4096;

    static final int MAX_LINES = 100;

    private final InputStream in;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);

    ReplyReader(InputStream in) {
        this.in = in;
    }

    /**
     * Reads one reply, multi-line replies included.
     *
     * @throws EOFException when the upstream closed the connection
     * @throws ProtocolException when what came is not an SMTP reply
     */
    Reply read() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int count = 0; count < MAX_LINES; count++) {
            String current = readLine();
            if (current.length() < 3 || !isDigits(current)
                    || (current.length() > 3 && current.charAt(3) != ' ' && current.charAt(3) != '-')) {
                throw new ProtocolException("Not an SMTP reply: '" + Reply.sanitize(current) + "'");
            }
            text.append(Reply.sanitize(current)).append('\n');
            boolean last = current.length() == 3 || current.charAt(3) == ' ';
            if (last) {
                try {
                    return Reply.parse(text.toString());
                }
                catch (IllegalArgumentException ex) {
                    throw new ProtocolException("Malformed SMTP reply: " + ex.getMessage());
                }
            }
        }
        throw new ProtocolException("SMTP reply longer than " + MAX_LINES + " lines");
    }

    private String readLine() throws IOException {
        line.reset();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("The upstream closed the connection");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_LINE) {
                throw new ProtocolException("SMTP reply line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
    }

    private static boolean isDigits(String text) {
        for (int i = 0; i < 3; i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
