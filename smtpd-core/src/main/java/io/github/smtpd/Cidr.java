package io.github.smtpd;

import java.net.InetAddress;
import java.util.Arrays;

import io.github.smtpd.internal.IpText;

/**
 * A network in CIDR notation, e.g. {@code 127.0.0.0/8}, {@code 10.0.0.0/8}, {@code ::1/128}; a plain address is
 * a network of one, and an IPv6 address may be bracketed as in Postfix's {@code mynetworks}
 * ({@code [::1]/128}). Used for trusted proxies and for the client networks the relay modes trust.
 *
 * <p>Only IP literals are accepted, never host names: whether a client may relay must not depend on DNS, so
 * parsing never looks anything up.
 */
public final class Cidr {

    private static final String EXAMPLES = "use CIDR blocks such as 127.0.0.0/8, 10.0.0.0/8 or ::1/128";

    private final byte[] network;

    private final int prefix;

    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * @throws IllegalArgumentException naming the text and why it is not an IP address with an optional
     *         {@code /prefix}
     */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("A network must not be empty; " + EXAMPLES);
        }
        String value = text.strip();
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        if (address.startsWith("[") && address.endsWith("]") && address.indexOf(':') > 0) {
            address = address.substring(1, address.length() - 1);
        }
        byte[] bytes = literal(address, value);
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = value.substring(slash + 1);
            // An IPv4-mapped IPv6 network (::ffff:10.0.0.0/104) is the IPv4 network its low 32 bits make.
            int offset = bytes.length == 4 && address.indexOf(':') >= 0 ? 96 : 0;
            if (!length.matches("\\d{1,3}") || Integer.parseInt(length) < offset
                    || Integer.parseInt(length) > bits + offset) {
                throw invalid(value, "the prefix length must be " + offset + " to " + (bits + offset));
            }
            prefix = Integer.parseInt(length) - offset;
        }
        return new Cidr(mask(bytes, prefix), prefix, value);
    }

    /** The address bytes of an IPv4 or IPv6 literal, parsed without any name lookup. */
    private static byte[] literal(String address, String value) {
        InetAddress parsed = IpText.parse(address);
        if (parsed == null) {
            boolean name = address.chars().anyMatch(Character::isLetter) && address.indexOf(':') < 0;
            throw invalid(value, name ? "not an IP address (host names are not accepted)" : "not an IP address");
        }
        return parsed.getAddress();
    }

    private static IllegalArgumentException invalid(String value, String why) {
        return new IllegalArgumentException("'" + value + "' is not a valid network: " + why + "; " + EXAMPLES);
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] masked = bytes.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] &= (byte) (0xff << (8 - keep));
        }
        return masked;
    }

    /** Whether the address is in this network; IPv4-mapped IPv6 addresses count as IPv4. */
    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 16 && network.length == 4 && isMappedIpv4(bytes)) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
        }
        if (bytes.length != network.length) {
            return false;
        }
        return Arrays.equals(mask(bytes, prefix), network);
    }

    private static boolean isMappedIpv4(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    /** The prefix length: 32 or 128 for a single address, 0 for a network that holds every address. */
    public int prefixLength() {
        return prefix;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr that && prefix == that.prefix && Arrays.equals(network, that.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    /** The network as it was written. */
    @Override
    public String toString() {
        return text;
    }
}
