package io.github.smtpd.mode;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The client networks allowed to relay, as CIDR blocks ({@code 10.0.0.0/8}, {@code ::1/128}) or single
 * addresses. Host names are refused: a relay decision must not depend on DNS.
 */
final class TrustedNetworks {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final List<Network> networks;

    private final List<String> text;

    private TrustedNetworks(List<Network> networks, List<String> text) {
        this.networks = networks;
        this.text = text;
    }

    /**
     * @throws IllegalArgumentException naming the entry that is not an IP address or CIDR block
     */
    static TrustedNetworks parse(List<String> entries) {
        List<Network> networks = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (String entry : entries) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            networks.add(Network.parse(entry.strip()));
            text.add(entry.strip());
        }
        return new TrustedNetworks(List.copyOf(networks), List.copyOf(text));
    }

    boolean contains(InetAddress address) {
        byte[] bytes = unmap(address.getAddress());
        for (Network network : networks) {
            if (network.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /** Whether some entry lets every address relay (0.0.0.0/0 or ::/0): an open relay. */
    boolean isOpen() {
        return networks.stream().anyMatch(network -> network.bits == 0);
    }

    List<String> entries() {
        return text;
    }

    /** An IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d) is matched as IPv4. */
    private static byte[] unmap(byte[] bytes) {
        if (bytes.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (bytes[i] != 0) {
                    return bytes;
                }
            }
            if (bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff) {
                return Arrays.copyOfRange(bytes, 12, 16);
            }
        }
        return bytes;
    }

    private record Network(byte[] prefix, int bits) {

        static Network parse(String entry) {
            int slash = entry.indexOf('/');
            String host = slash < 0 ? entry : entry.substring(0, slash);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (!IPV4.matcher(host).matches() && host.indexOf(':') < 0) {
                throw invalid(entry, "not an IP address (host names are not accepted)");
            }
            byte[] address;
            try {
                // A literal with digits and dots, or with colons, is parsed without any DNS lookup.
                InetAddress parsed = InetAddress.getByName(host);
                address = parsed instanceof Inet6Address ? parsed.getAddress() : unmap(parsed.getAddress());
            }
            catch (UnknownHostException ex) {
                throw invalid(entry, "not an IP address");
            }
            int max = address.length * 8;
            int bits = max;
            if (slash >= 0) {
                String length = entry.substring(slash + 1);
                if (!length.matches("\\d{1,3}") || Integer.parseInt(length) > max) {
                    throw invalid(entry, "the prefix length must be 0 to " + max);
                }
                bits = Integer.parseInt(length);
            }
            return new Network(mask(address, bits), bits);
        }

        boolean contains(byte[] address) {
            return address.length == prefix.length && Arrays.equals(mask(address, bits), prefix);
        }

        private static byte[] mask(byte[] address, int bits) {
            byte[] masked = address.clone();
            for (int i = 0; i < masked.length; i++) {
                int keep = Math.max(0, Math.min(8, bits - i * 8));
                masked[i] &= (byte) (0xff << (8 - keep));
            }
            return masked;
        }

        private static IllegalArgumentException invalid(String entry, String why) {
            return new IllegalArgumentException("Trusted network '" + entry + "' is invalid: " + why
                    + "; use CIDR blocks such as 127.0.0.0/8, 10.0.0.0/8 or ::1/128");
        }
    }
}
