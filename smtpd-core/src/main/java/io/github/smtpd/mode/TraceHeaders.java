package io.github.smtpd.mode;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import io.github.smtpd.Message;
import io.github.smtpd.SmtpSession;

/**
 * The header lines a relay puts in front of the message: one {@code Received:} trace field (RFC 5321 4.4,
 * protocol names from RFC 3848 and RFC 6531) and, as an option, smtpd's {@code X-Peer:}.
 */
final class TraceHeaders {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
            Locale.ENGLISH);

    private TraceHeaders() {
    }

    static byte[] prefix(Message message, boolean peerHeader) {
        StringBuilder out = new StringBuilder(256);
        SmtpSession session = message.session();
        InetAddress ip = message.peer() != null ? message.peer().getAddress() : null;
        out.append("Received: from ").append(safe(message.heloName()));
        if (ip != null) {
            out.append(" ([").append(ip instanceof Inet6Address ? "IPv6:" : "").append(IpText.of(ip)).append("])");
        }
        out.append("\r\n\tby ").append(safe(session != null ? session.fqdn() : null))
                .append(" (smtpd for Java) with ").append(protocol(message, session))
                .append(" id ").append(safe(message.id()));
        // RFC 5321 7.2: name the recipient only when there is one, so others do not learn of each other.
        if (message.rcptTos().size() == 1) {
            out.append("\r\n\tfor <").append(message.rcptTos().get(0)).append('>');
        }
        out.append(";\r\n\t").append(DATE.format(message.receivedAt().atZone(ZoneId.systemDefault()))).append("\r\n");
        if (peerHeader && ip != null) {
            out.append("X-Peer: ").append(IpText.of(ip)).append("\r\n");
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String protocol(Message message, SmtpSession session) {
        boolean extended = session == null || session.isExtended();
        String base = !extended ? "SMTP" : message.mailOptions().contains("SMTPUTF8") ? "UTF8SMTP" : "ESMTP";
        return base + (session != null && session.isSecure() ? "S" : "");
    }

    /** Client-chosen names go into a header: keep them to printable ASCII without comment syntax. */
    private static String safe(String text) {
        if (text == null || text.isEmpty()) {
            return "unknown";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), 255));
        for (int i = 0; i < text.length() && i < 255; i++) {
            char c = text.charAt(i);
            out.append(c > 0x20 && c < 0x7f && "()\\\";".indexOf(c) < 0 ? c : '?');
        }
        return out.toString();
    }
}
