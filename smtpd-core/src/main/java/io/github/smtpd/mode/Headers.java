package io.github.smtpd.mode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a header field out of raw message bytes, for the summaries of captured messages. */
final class Headers {

    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?]+)\\?([bBqQ])\\?([^?]*)\\?=");

    private static final Pattern BETWEEN_ENCODED_WORDS = Pattern.compile("(\\?=)\\s+(=\\?)");

    private Headers() {
    }

    /**
     * The value of the first header field with this name in the header section, unfolded, with RFC 2047
     * encoded words decoded; {@code null} when there is none. Raw 8-bit values are read as UTF-8 (RFC 6532).
     */
    static String field(byte[] content, String name) {
        String text = new String(content, 0, headerLength(content), StandardCharsets.UTF_8);
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        String[] lines = text.split("\r\n|\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                return null;
            }
            if (line.length() >= prefix.length() && line.substring(0, prefix.length()).toLowerCase(Locale.ROOT)
                    .equals(prefix)) {
                StringBuilder value = new StringBuilder(line.substring(prefix.length()));
                while (i + 1 < lines.length && !lines[i + 1].isEmpty()
                        && (lines[i + 1].charAt(0) == ' ' || lines[i + 1].charAt(0) == '\t')) {
                    value.append(lines[++i]);
                }
                return decode(value.toString().strip());
            }
        }
        return null;
    }

    /** The length of the header section (up to the first empty line), at most 256 KiB: the body is not needed. */
    private static int headerLength(byte[] content) {
        int limit = Math.min(content.length, 256 * 1024);
        for (int i = 1; i < limit; i++) {
            if (content[i] == '\n' && (content[i - 1] == '\n' || (i >= 2 && content[i - 1] == '\r' && content[i - 2] == '\n'))) {
                return i;
            }
        }
        return limit;
    }

    /** Decodes RFC 2047 encoded words; words that do not decode are left as they are. */
    static String decode(String value) {
        String joined = BETWEEN_ENCODED_WORDS.matcher(value).replaceAll("$1$2");
        Matcher matcher = ENCODED_WORD.matcher(joined);
        StringBuilder out = new StringBuilder(joined.length());
        while (matcher.find()) {
            String decoded;
            try {
                Charset charset = Charset.forName(matcher.group(1).replaceFirst("\\*.*$", ""));
                byte[] bytes = matcher.group(2).equalsIgnoreCase("B")
                        ? Base64.getMimeDecoder().decode(matcher.group(3))
                        : quotedPrintable(matcher.group(3));
                decoded = new String(bytes, charset);
            }
            catch (IllegalArgumentException ex) {
                decoded = matcher.group();
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(decoded));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static byte[] quotedPrintable(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                out.write(' ');
            }
            else if (c == '=' && i + 2 < text.length()) {
                out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            }
            else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
