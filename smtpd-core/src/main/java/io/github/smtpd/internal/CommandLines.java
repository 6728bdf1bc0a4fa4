package io.github.smtpd.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.github.smtpd.SmtpServer;

/** How long a command line may be (smtpd's limits per verb, with the ESMTP extensions on), and its text. */
final class CommandLines {

    /** RFC 5321 4.5.3.1.4: 512 octets with CRLF; smtpd counted 512 without it, and so do we. */
    static final int LIMIT = 512;

    private CommandLines() {
    }

    /** The longest line any command may have, so one read bound covers them all. */
    static int longest(SmtpServer server) {
        return server.getAuthenticator() != null ? Auth.LINE_LIMIT : LIMIT + 26 + 10 + 515;
    }

    /** The longest line {@code verb} may have, after EHLO when {@code extended}. */
    static int limit(SmtpServer server, boolean extended, String verb) {
        if ("AUTH".equals(verb) && server.getAuthenticator() != null) {
            return Auth.LINE_LIMIT;
        }
        int limit = LIMIT;
        if (extended && "RCPT".equals(verb)) {
            limit += 515; // RFC 3461 4: NOTIFY and ORCPT
        }
        if (extended && "MAIL".equals(verb)) {
            limit += 115; // RFC 3461 4: RET and ENVID
            if (server.getAuthenticator() != null) {
                limit += 500; // RFC 4954 5: AUTH=
            }
            if (server.getDataSizeLimit() > 0) {
                limit += 26;
            }
            if (server.isEnableSmtpUtf8()) {
                limit += 10;
            }
        }
        return limit;
    }

    /** A line's text: ASCII, or UTF-8 (SMTPUTF8); invalid UTF-8 becomes U+FFFD, which no parser accepts. */
    static String decode(byte[] bytes, int length) {
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
