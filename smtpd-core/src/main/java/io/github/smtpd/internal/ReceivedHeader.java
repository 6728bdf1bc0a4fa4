package io.github.smtpd.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The {@code Received:} trace header of RFC 5321 4.4, with the protocol keyword of RFC 3848 (SMTP, ESMTP,
 * ESMTPS, ESMTPA, ESMTPSA, LMTP…) or RFC 6531 (UTF8SMTP…) and the TLS details in Postfix's usual form.
 */
final class ReceivedHeader {

    /** RFC 5321 4.1.3 address literals, IPv4 or IPv6, and nothing else (no comment characters, no spaces). */
    private static final java.util.regex.Pattern ADDRESS_LITERAL = java.util.regex.Pattern
        .compile("\\[(\\d{1,3}(\\.\\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]{2,45})\\]");

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** The date of the second that was last written: formatting it is a tenth of a message's work otherwise. */
    private static volatile Stamp lastStamp = new Stamp(Long.MIN_VALUE, "");

    private ReceivedHeader() {
    }

    private record Stamp(long second, String text) {
    }

    /** Now, to the second, in this machine's zone, as RFC 5322 3.3 writes dates. */
    static String now() {
        long second = Math.floorDiv(System.currentTimeMillis(), 1000L);
        Stamp stamp = lastStamp;
        if (stamp.second() != second) {
            stamp = new Stamp(second, DATE.format(ZonedDateTime.ofInstant(Instant.ofEpochSecond(second),
                    ZoneId.systemDefault())));
            lastStamp = stamp;
        }
        return stamp.text();
    }

    static byte[] build(Session session, String messageId, List<String> rcptTos, boolean utf8) {
        String ip = IpText.of(session.peer().getAddress());
        StringBuilder header = new StringBuilder(256);
        String literal = "[" + (ip.indexOf(':') >= 0 ? "IPv6:" + ip : ip) + "]";
        String helo = session.heloName();
        if (helo != null && (helo.startsWith("[") ? ADDRESS_LITERAL.matcher(helo).matches() : MailPath.isDomain(helo))) {
            header.append("Received: from ").append(clean(helo, utf8)).append(" (").append(literal).append(")\r\n");
        }
        else {
            // Not a domain or an address literal: text the client chose, which could mimic this header's own
            // clauses ("by ... with ESMTPSA; date"). RFC 5321 4.4 puts it in the comment, where it is quoted so that
            // it cannot end the comment, and the client's address goes where the domain would.
            header.append("Received: from ").append(literal).append(" (helo=")
                    .append(commentText(helo == null ? "" : helo, utf8)).append(")\r\n");
        }
        if (session.tlsProtocol() != null) {
            header.append("\t(using ").append(session.tlsProtocol()).append(" with cipher ")
                    .append(session.tlsCipher()).append(")\r\n");
        }
        if (session.authenticatedUser() != null) {
            header.append("\t(authenticated sender: ").append(commentText(session.authenticatedUser(), utf8))
                    .append(")\r\n");
        }
        header.append("\tby ").append(session.fqdn()).append(" (smtpd for Java) with ").append(protocol(session, utf8))
                .append(" id ").append(messageId);
        if (rcptTos.size() == 1) {
            // Like Postfix, name the recipient only when there is one, so Bcc recipients are not exposed.
            header.append("\r\n\tfor <").append(clean(rcptTos.get(0), utf8)).append(">");
        }
        header.append("; ").append(now()).append("\r\n");
        return bytesOf(header);
    }

    /** The header's bytes, copied straight from the builder when they are ASCII (one copy per message, not two). */
    private static byte[] bytesOf(StringBuilder header) {
        byte[] bytes = new byte[header.length()];
        for (int i = 0; i < bytes.length; i++) {
            char c = header.charAt(i);
            if (c > 0x7f) {
                return header.toString().getBytes(StandardCharsets.UTF_8);
            }
            bytes[i] = (byte) c;
        }
        return bytes;
    }

    /** RFC 3848's keywords, with RFC 6531's UTF8SMTP/UTF8LMTP for a transaction that used SMTPUTF8. */
    private static String protocol(Session session, boolean utf8) {
        boolean lmtp = session.settings().protocol() == io.github.smtpd.Protocol.LMTP;
        if (!lmtp && !session.isExtended()) {
            return "SMTP";
        }
        String base = (utf8 ? "UTF8" : lmtp ? "" : "E") + (lmtp ? "LMTP" : "SMTP");
        return base + (session.isSecure() ? "S" : "") + (session.authenticatedUser() != null ? "A" : "");
    }

    /** Text for inside a comment (RFC 5322 3.2.2): controls become {@code ?}, and parentheses and backslash are quoted. */
    static String commentText(String text, boolean utf8) {
        String clean = clean(text, utf8);
        if (clean.indexOf('(') < 0 && clean.indexOf(')') < 0 && clean.indexOf('\\') < 0) {
            return clean;
        }
        StringBuilder out = new StringBuilder(clean.length() + 8);
        for (int i = 0; i < clean.length(); i++) {
            char c = clean.charAt(i);
            if (c == '(' || c == ')' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    private static String clean(String text, boolean utf8) {
        if (isClean(text, utf8)) {
            // The usual case, a name or an address with nothing to replace: no copy per message.
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7f || (!utf8 && c > 0x7e) ? '?' : c);
        }
        return out.toString();
    }

    private static boolean isClean(String text, boolean utf8) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || (!utf8 && c > 0x7e)) {
                return false;
            }
        }
        return true;
    }
}
