package io.github.smtpd.mode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.github.smtpd.Message;
import io.github.smtpd.internal.IpText;

/**
 * smtpd's {@code DebuggingServer.process_message} output, byte for byte. smtpd first turned the data into
 * lines joined by LF (the last CRLF belonging to the terminator), then printed {@code splitlines()} of it:
 * as {@code repr()} of bytes when it did not decode the data (then with the {@code mail options:} line), as
 * text when it did. {@code X-Peer} is printed at the first empty line, so a message without a body gets none.
 */
final class SmtpdFormat {

    static final String BEGIN = "---------- MESSAGE FOLLOWS ----------";

    static final String END = "------------ END MESSAGE ------------";

    private SmtpdFormat() {
    }

    static byte[] format(Message message, byte[] content) {
        StringBuilder out = new StringBuilder(content.length * 2 + 128);
        out.append(BEGIN).append('\n');
        boolean decoded = message.isDecodeData();
        if (!decoded) {
            // smtpd passed the options as keyword arguments only when it did not decode the data.
            if (!message.mailOptions().isEmpty()) {
                out.append("mail options: ").append(PythonRepr.list(message.mailOptions())).append('\n');
            }
            if (!message.rcptOptions().isEmpty()) {
                out.append("rcpt options: ").append(PythonRepr.list(message.rcptOptions())).append("\n\n");
            }
        }
        byte[] data = smtpdData(content);
        String peer = "X-Peer: " + (message.peer() != null ? IpText.of(message.peer().getAddress()) : "");
        boolean inHeaders = true;
        if (decoded) {
            for (String line : textLines(new String(data, StandardCharsets.UTF_8))) {
                if (inHeaders && line.isEmpty()) {
                    out.append(peer).append('\n');
                    inHeaders = false;
                }
                out.append(line).append('\n');
            }
        }
        else {
            byte[] peerBytes = peer.getBytes(StandardCharsets.UTF_8);
            for (int[] line : byteLines(data)) {
                if (inHeaders && line[1] == 0) {
                    PythonRepr.appendBytes(out, peerBytes, 0, peerBytes.length).append('\n');
                    inHeaders = false;
                }
                PythonRepr.appendBytes(out, data, line[0], line[1]).append('\n');
            }
        }
        out.append(END).append('\n');
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The data as smtpd's {@code received_data}: CRLF line ends become LF, without the terminator's CRLF. */
    static byte[] smtpdData(byte[] content) {
        int length = content.length;
        if (length >= 2 && content[length - 2] == '\r' && content[length - 1] == '\n') {
            length -= 2;
        }
        // A plain array, not a ByteArrayOutputStream: its write(int) is synchronized, a lock per byte.
        byte[] out = new byte[length];
        int written = 0;
        for (int i = 0; i < length; i++) {
            if (content[i] == '\r' && i + 1 < length && content[i + 1] == '\n') {
                continue;
            }
            out[written++] = content[i];
        }
        return written == length ? out : java.util.Arrays.copyOf(out, written);
    }

    /** Python's {@code bytes.splitlines()}: breaks at LF, CR and CRLF; {offset, length} pairs. */
    static List<int[]> byteLines(byte[] data) {
        List<int[]> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < data.length) {
            byte b = data[i];
            if (b == '\n' || b == '\r') {
                lines.add(new int[] { start, i - start });
                i += (b == '\r' && i + 1 < data.length && data[i + 1] == '\n') ? 2 : 1;
                start = i;
            }
            else {
                i++;
            }
        }
        if (start < data.length) {
            lines.add(new int[] { start, data.length - start });
        }
        return lines;
    }

    /** Python's {@code str.splitlines()}, which also breaks at VT, FF, FS, GS, RS, NEL, LS and PS. */
    static List<String> textLines(String data) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < data.length()) {
            char c = data.charAt(i);
            if (isLineBreak(c)) {
                lines.add(data.substring(start, i));
                i += (c == '\r' && i + 1 < data.length() && data.charAt(i + 1) == '\n') ? 2 : 1;
                start = i;
            }
            else {
                i++;
            }
        }
        if (start < data.length()) {
            lines.add(data.substring(start));
        }
        return lines;
    }

    private static boolean isLineBreak(char c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                || c == 0x85 || c == 0x2028 || c == 0x2029;
    }
}
