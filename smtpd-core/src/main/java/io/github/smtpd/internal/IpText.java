package io.github.smtpd.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * IP addresses as text, both ways, in one place for the engine and the modes. Parsing takes only literals and
 * never asks DNS: a PROXY header, a trusted network or a relay decision must not depend on a name lookup.
 * Writing follows RFC 5952 as Python does ({@code ::1}, not Java's {@code 0:0:0:0:0:0:0:1}, and no
 * {@code %scope}), so {@code Received:} and smtpd's {@code X-Peer:} show what other mail software shows.
 */
public final class IpText {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    private IpText() {
    }

    /**
     * An IPv4 dotted quad or an IPv6 literal (without brackets or zone); {@code null} for anything else, host
     * names included. An IPv4-mapped IPv6 literal comes back as the IPv4 address, as Java parses it.
     */
    public static InetAddress parse(String text) {
        boolean ipv4 = IPV4.matcher(text).matches();
        if (ipv4) {
            for (String part : text.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return null; // Java would take 999.1.1.1 for a host name and look it up
                }
            }
        }
        else if (!IPV6.matcher(text).matches()) {
            return null;
        }
        try {
            // A checked dotted quad, or a bracketed IPv6 literal, is parsed by InetAddress without any lookup.
            return InetAddress.getByName(ipv4 ? text : "[" + text + "]");
        }
        catch (UnknownHostException ex) {
            return null;
        }
    }

    /** The address as RFC 5952 writes it. */
    public static String of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] bytes = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        // The longest run of two or more zero groups, the first one on a tie, becomes "::".
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
