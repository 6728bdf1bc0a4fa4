package io.github.smtpd.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.github.smtpd.Reply;
import io.github.smtpd.ServerSettings;

/** Command lines: how long each may be (smtpd's limits per verb, with the ESMTP extensions on), and their parts. */
final class CommandLines {

    /** RFC 5321 4.5.3.1.4: 512 octets with CRLF; smtpd counted 512 without it, and so do we. */
    static final int LIMIT = 512;

    /** RFC 3461 4: RCPT's NOTIFY and ORCPT parameters. */
    private static final int DSN_RCPT_PARAMETERS = 515;

    /** RFC 3461 4: MAIL's RET and ENVID parameters. */
    private static final int DSN_MAIL_PARAMETERS = 115;

    /** RFC 4954 5: MAIL's AUTH= parameter. */
    private static final int AUTH_PARAMETER = 500;

    /** RFC 1870: " SIZE=" and a size of up to 20 digits. */
    private static final int SIZE_PARAMETER = 26;

    /** RFC 6531 3.4: " SMTPUTF8", with room for one more space. */
    private static final int SMTPUTF8_PARAMETER = 10;

    private CommandLines() {
    }

    /** The longest line any command may have, so one read bound covers them all. */
    static int longest(ServerSettings settings) {
        return Math.max(limit(settings, true, "AUTH"),
                Math.max(limit(settings, true, "MAIL"), limit(settings, true, "RCPT")));
    }

    /** The longest line {@code verb} may have, after EHLO when {@code extended}. */
    static int limit(ServerSettings settings, boolean extended, String verb) {
        if ("AUTH".equals(verb) && settings.authenticator() != null) {
            return Auth.LINE_LIMIT;
        }
        int limit = LIMIT;
        if (extended && "RCPT".equals(verb)) {
            limit += DSN_RCPT_PARAMETERS;
        }
        if (extended && "MAIL".equals(verb)) {
            limit += DSN_MAIL_PARAMETERS;
            if (settings.authenticator() != null) {
                limit += AUTH_PARAMETER;
            }
            if (settings.dataSizeLimit() > 0) {
                limit += SIZE_PARAMETER;
            }
            if (settings.enableSmtpUtf8()) {
                limit += SMTPUTF8_PARAMETER;
            }
        }
        return limit;
    }

    /** A command line taken apart: its verb (upper case) and argument, or the reply to a line that is none. */
    record Line(String verb, String argument, Reply error) {
    }

    /**
     * Takes apart the command line in {@code bytes} of {@code length} (or {@link SmtpInput#TOO_LONG}) for a session
     * that greeted with EHLO when {@code extended}.
     */
    static Line parse(byte[] bytes, int length, ServerSettings settings, boolean extended) {
        if (length == SmtpInput.TOO_LONG) {
            return new Line(null, null, Reply.of(500, "5.5.2", "Error: line too long"));
        }
        if (length == 0) {
            return new Line(null, null, Reply.of(500, "5.5.2", "Error: bad syntax"));
        }
        String line = decode(bytes, length);
        int space = line.indexOf(' ');
        String verb = Ascii.upper(space < 0 ? line : line.substring(0, space));
        String argument = space < 0 ? null : line.substring(space + 1).strip();
        if (length > limit(settings, extended, verb)) {
            return new Line(verb, null, Reply.of(500, "5.5.2", "Error: line too long"));
        }
        return new Line(verb, argument == null || argument.isEmpty() ? null : argument, null);
    }

    /** A line's text: ASCII, or UTF-8 (SMTPUTF8); invalid UTF-8 becomes U+FFFD, which no parser accepts. */
    private static String decode(byte[] bytes, int length) {
        boolean ascii = true;
        for (int i = 0; i < length; i++) {
            if (bytes[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length))
                    .toString();
        }
        catch (CharacterCodingException ex) {
            // So the command gets a syntax error.
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
    }
}
