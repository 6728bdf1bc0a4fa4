package io.github.smtpd.internal;


/**
 * Parses the argument of MAIL FROM: and RCPT TO: after the keyword: a path in angle brackets (or, as smtpd
 * allowed, a bare address) followed by ESMTP parameters. Strict where smtpd was not: unbalanced brackets,
 * control characters and malformed addresses are syntax errors, and a non-ASCII address is flagged so the
 * session can demand SMTPUTF8.
 */
record MailPath(String address, String parameters, boolean nonAscii) {

    /** The address of the null reverse path, {@code MAIL FROM:<>}. */
    static final String NULL_PATH = "<>";

    /**
     * @return the parsed path, or {@code null} for a syntax error
     */
    static MailPath parse(String text, boolean allowNullPath) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String address;
        String rest;
        if (text.charAt(0) == '<') {
            int close = closingBracket(text);
            if (close < 0) {
                return null;
            }
            address = text.substring(1, close);
            rest = text.substring(close + 1);
            if (!rest.isEmpty() && rest.charAt(0) != ' ') {
                return null;
            }
            if (address.isEmpty()) {
                return allowNullPath ? new MailPath(NULL_PATH, rest.strip(), false) : null;
            }
            if (address.charAt(0) == '@') {
                // An RFC 5321 source route (@a,@b:user@c) is obsolete: keep only the mailbox.
                int colon = address.indexOf(':');
                if (colon < 0) {
                    return null;
                }
                address = address.substring(colon + 1);
            }
        }
        else {
            int space = text.indexOf(' ');
            address = space < 0 ? text : text.substring(0, space);
            rest = space < 0 ? "" : text.substring(space);
        }
        if (!isMailbox(address)) {
            return null;
        }
        return new MailPath(address, rest.strip(), !isAscii(address));
    }

    private static int closingBracket(String text) {
        boolean quoted = false;
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && c == '\\') {
                i++;
            }
            else if (c == '"') {
                quoted = !quoted;
            }
            else if (!quoted && c == '>') {
                return i;
            }
            else if (!quoted && c == '<') {
                return -1;
            }
        }
        return -1;
    }

    static boolean isMailbox(String address) {
        if (address.isEmpty() || utf8Length(address) > 254) {
            return false;
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\uFFFD' || Character.isSurrogate(c) && !validSurrogate(address, i)) {
                return false;
            }
        }
        int at = lastAtOutsideQuotes(address);
        String local = at < 0 ? address : address.substring(0, at);
        if (!isLocalPart(local)) {
            return false;
        }
        return at < 0 || isDomain(address.substring(at + 1));
    }

    /** The length in UTF-8 without encoding: every MAIL and RCPT checks it, and a copy of the address is waste. */
    static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            }
            else if (c < 0x800) {
                bytes += 2;
            }
            else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            }
            else {
                // A lone surrogate encodes as one replacement byte ('?'), as String.getBytes does.
                bytes += Character.isSurrogate(c) ? 1 : 3;
            }
        }
        return bytes;
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static int lastAtOutsideQuotes(String address) {
        boolean quoted = false;
        int at = -1;
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (quoted && c == '\\') {
                i++;
            }
            else if (c == '"') {
                quoted = !quoted;
            }
            else if (!quoted && c == '@') {
                at = i;
            }
        }
        return quoted ? -2 : at;
    }

    private static boolean isLocalPart(String local) {
        if (local.isEmpty() || utf8Length(local) > 64) {
            return false;
        }
        if (local.charAt(0) == '"') {
            if (local.length() < 2 || local.charAt(local.length() - 1) != '"') {
                return false;
            }
            for (int i = 1; i < local.length() - 1; i++) {
                char c = local.charAt(i);
                if (c == '\\') {
                    i++;
                    if (i >= local.length() - 1) {
                        return false;
                    }
                }
                else if (c == '"') {
                    return false;
                }
            }
            return true;
        }
        boolean previousDot = true;
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '.') {
                if (previousDot) {
                    return false;
                }
                previousDot = true;
                continue;
            }
            if (!isAtext(c)) {
                return false;
            }
            previousDot = false;
        }
        return !previousDot;
    }

    private static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0 || c > 0x7f;
    }

    static boolean isDomain(String domain) {
        if (domain.isEmpty() || domain.length() > 255) {
            return false;
        }
        if (domain.charAt(0) == '[') {
            if (domain.charAt(domain.length() - 1) != ']' || domain.length() < 3) {
                return false;
            }
            for (int i = 1; i < domain.length() - 1; i++) {
                char c = domain.charAt(i);
                if (c == '[' || c == ']' || c == '\\' || c == ' ' || c > 0x7e) {
                    return false;
                }
            }
            return true;
        }
        // Label by label, without splitting: every MAIL, RCPT and HELO checks a domain.
        int labelStart = 0;
        for (int i = 0; i <= domain.length(); i++) {
            char c = i < domain.length() ? domain.charAt(i) : '.';
            if (c == '.') {
                int length = i - labelStart;
                if (length == 0 || length > 63 || domain.charAt(labelStart) == '-' || domain.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
            }
            else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_' || c > 0x7f)) {
                return false;
            }
        }
        return true;
    }

    static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }
}
