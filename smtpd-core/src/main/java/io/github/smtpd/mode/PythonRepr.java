package io.github.smtpd.mode;

import java.util.List;

/**
 * Python's {@code repr()} of bytes and of a list of strings, because smtpd's DebuggingServer printed message
 * lines as {@code b'...'} when it did not decode the data, and the mail options as a Python list.
 */
final class PythonRepr {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private PythonRepr() {
    }

    /**
     * Appends {@code repr(b'...')}: single quotes unless the bytes hold a {@code '} and no {@code "}. Appended, so
     * that a message is printed line by line without a string per line.
     */
    static StringBuilder appendBytes(StringBuilder out, byte[] bytes, int offset, int length) {
        boolean single = false;
        boolean dbl = false;
        for (int i = offset; i < offset + length; i++) {
            single |= bytes[i] == '\'';
            dbl |= bytes[i] == '"';
        }
        char quote = single && !dbl ? '"' : '\'';
        out.append('b').append(quote);
        for (int i = offset; i < offset + length; i++) {
            int b = bytes[i] & 0xff;
            if (b == quote || b == '\\') {
                out.append('\\').append((char) b);
            }
            else if (b == '\t') {
                out.append("\\t");
            }
            else if (b == '\n') {
                out.append("\\n");
            }
            else if (b == '\r') {
                out.append("\\r");
            }
            else if (b < 0x20 || b >= 0x7f) {
                out.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xf]);
            }
            else {
                out.append((char) b);
            }
        }
        return out.append(quote);
    }

    /** {@code repr(['A', 'B'])} for printable ASCII strings such as ESMTP parameters. */
    static String list(List<String> items) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            out.append(string(items.get(i)));
        }
        return out.append(']').toString();
    }

    private static String string(String text) {
        char quote = text.indexOf('\'') >= 0 && text.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder(text.length() + 2).append(quote);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == quote || c == '\\') {
                out.append('\\').append(c);
            }
            else if (c < 0x20 || c == 0x7f) {
                out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
            else {
                out.append(c);
            }
        }
        return out.append(quote).toString();
    }
}
