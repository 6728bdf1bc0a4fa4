package io.github.smtpd;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One SMTP reply: a three-digit code, an optional RFC 3463 enhanced status code and one or more lines
 * of text. Every reply the server sends is one of these, so the wire format is produced in one place.
 *
 * <p>Text never contains CR or LF: a reply can not be used to inject a second reply or a command.
 * Use {@link #parse(String)} to turn smtpd-style strings such as {@code "550 No such user here"} into a reply.
 */
public final class Reply {

    /** RFC 3463's class.subject.detail; compiled once, as replies are made for every command. */
    private static final java.util.regex.Pattern ENHANCED_CODE = java.util.regex.Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    /** {@code 250 OK}, the reply to an accepted message or command. */
    public static final Reply OK = new Reply(250, null, List.of("OK"));

    private final int code;

    private final String enhancedCode;

    private final List<String> lines;

    /**
     * The wire forms, made on first use: the server's constant replies (250 after MAIL and RCPT, 354) go out for
     * every message, and building them each time was an eighth of what a message allocated. A race builds the same
     * immutable string twice, which is harmless.
     */
    private String wire;

    private String wireWithEnhancedCode;

    private Reply(int code, String enhancedCode, List<String> lines) {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("SMTP reply code must be between 200 and 599, was " + code);
        }
        if (enhancedCode != null && !ENHANCED_CODE.matcher(enhancedCode).matches()) {
            throw new IllegalArgumentException("Enhanced status code must look like 5.1.1, was '" + enhancedCode + "'");
        }
        if (enhancedCode != null && enhancedCode.charAt(0) != Integer.toString(code).charAt(0)) {
            throw new IllegalArgumentException(
                    "Enhanced status code " + enhancedCode + " does not match the class of reply code " + code);
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("A reply needs at least one line of text");
        }
        for (String line : lines) {
            if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("Reply text must not contain CR or LF: " + sanitize(line));
            }
        }
        this.code = code;
        this.enhancedCode = enhancedCode;
        this.lines = List.copyOf(lines);
    }

    /** A single-line reply, e.g. {@code Reply.of(550, "No such user here")}. */
    public static Reply of(int code, String text) {
        return new Reply(code, null, List.of(Objects.requireNonNull(text, "text")));
    }

    /** A single-line reply with an enhanced status code, e.g. {@code Reply.of(550, "5.1.1", "No such user")}. */
    public static Reply of(int code, String enhancedCode, String text) {
        return new Reply(code, enhancedCode, List.of(Objects.requireNonNull(text, "text")));
    }

    /** A multi-line reply; the lines are sent as {@code code-line} … {@code code line}. */
    public static Reply multiline(int code, List<String> lines) {
        return new Reply(code, null, lines);
    }

    /** Compiled once: {@code String.split} compiles a pattern that is not a single character on every call. */
    private static final java.util.regex.Pattern LINE_BREAK = java.util.regex.Pattern.compile("\r\n|\n|\r");

    /**
     * Parses a reply the way smtpd's {@code process_message} returned one: {@code "550 No such user here"},
     * optionally with an enhanced code ({@code "550 5.1.1 No such user"}) and several lines separated by
     * CRLF or LF ({@code "250-first\r\n250 last"}).
     *
     * @throws IllegalArgumentException when the text does not start with a valid reply code
     */
    public static Reply parse(String reply) {
        Objects.requireNonNull(reply, "reply");
        String[] raw = LINE_BREAK.split(reply);
        int code = -1;
        String enhanced = null;
        List<String> lines = new ArrayList<>(raw.length);
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i];
            if (line.length() < 3 || !isDigits(line.substring(0, 3))
                    || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new IllegalArgumentException("Not an SMTP reply (expected a 3-digit code): " + sanitize(line));
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && lineCode != code) {
                throw new IllegalArgumentException("Every line of a reply must carry the same code: " + sanitize(reply));
            }
            code = lineCode;
            String text = line.length() > 4 ? line.substring(4) : "";
            int space = text.indexOf(' ');
            String first = space < 0 ? text : text.substring(0, space);
            if (ENHANCED_CODE.matcher(first).matches() && first.charAt(0) == line.charAt(0)) {
                if (i == 0) {
                    enhanced = first;
                }
                if (enhanced != null && first.equals(enhanced)) {
                    text = space < 0 ? "" : text.substring(space + 1);
                }
            }
            lines.add(text);
        }
        if (code < 0) {
            throw new IllegalArgumentException("Empty SMTP reply");
        }
        return new Reply(code, enhanced, lines);
    }

    public int code() {
        return code;
    }

    /** The RFC 3463 enhanced status code such as {@code 5.1.1}, or {@code null}. */
    public String enhancedCode() {
        return enhancedCode;
    }

    public List<String> lines() {
        return lines;
    }

    /** The text of the first line. */
    public String text() {
        return lines.get(0);
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTransientFailure() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanentFailure() {
        return code >= 500;
    }

    /** The same reply with the given enhanced status code, or without one when {@code null}. */
    public Reply withEnhancedCode(String enhancedCode) {
        return new Reply(code, enhancedCode, lines);
    }

    /**
     * The reply as it goes on the wire, every line ended by CRLF.
     *
     * @param withEnhancedCode whether to put the enhanced status code in front of each line's text
     */
    public String toWire(boolean withEnhancedCode) {
        boolean enhanced = withEnhancedCode && enhancedCode != null;
        String cached = enhanced ? wireWithEnhancedCode : wire;
        if (cached == null) {
            cached = buildWire(enhanced);
            if (enhanced) {
                wireWithEnhancedCode = cached;
            }
            else {
                wire = cached;
            }
        }
        return cached;
    }

    private String buildWire(boolean enhanced) {
        StringBuilder out = new StringBuilder(16 + 32 * lines.size());
        for (int i = 0; i < lines.size(); i++) {
            out.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (enhanced) {
                out.append(enhancedCode);
                if (!lines.get(i).isEmpty()) {
                    out.append(' ');
                }
            }
            out.append(lines.get(i)).append("\r\n");
        }
        return out.toString();
    }

    /**
     * Makes client-supplied text safe to quote in a reply or a log line: control characters (CR, LF, NUL …)
     * become {@code ?} and very long text is cut.
     */
    public static String sanitize(String text) {
        if (text == null) {
            return "";
        }
        int max = Math.min(text.length(), 200);
        StringBuilder out = new StringBuilder(max);
        for (int i = 0; i < max; i++) {
            char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7f || c == '\uFFFD' ? '?' : c);
        }
        if (text.length() > max) {
            out.append("...");
        }
        return out.toString();
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Reply that && code == that.code && Objects.equals(enhancedCode, that.enhancedCode)
                && lines.equals(that.lines);
    }

    @Override
    public int hashCode() {
        return Objects.hash(code, enhancedCode, lines);
    }

    /** The reply as smtpd would have written it, without the final CRLF, e.g. {@code 250 OK}. */
    @Override
    public String toString() {
        String wire = toWire(true);
        return wire.substring(0, wire.length() - 2);
    }
}
