package io.github.smtpd.mode;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.github.smtpd.Cidr;

/**
 * The client networks allowed to relay, as {@link Cidr} blocks ({@code 10.0.0.0/8}, {@code ::1/128},
 * {@code [::1]}) or single addresses. Host names are refused: a relay decision must not depend on DNS.
 */
final class TrustedNetworks {

    private final List<Cidr> networks;

    private TrustedNetworks(List<Cidr> networks) {
        this.networks = networks;
    }

    /**
     * Blank entries are skipped, as an empty item in a configuration list would be.
     *
     * @throws IllegalArgumentException naming the entry that is not an IP address or CIDR block
     */
    static TrustedNetworks parse(List<String> entries) {
        List<Cidr> networks = new ArrayList<>();
        for (String entry : entries) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            try {
                networks.add(Cidr.parse(entry));
            }
            catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("Trusted network " + ex.getMessage(), ex);
            }
        }
        return new TrustedNetworks(List.copyOf(networks));
    }

    boolean contains(InetAddress address) {
        return networks.stream().anyMatch(network -> network.contains(address));
    }

    /** Whether some entry lets every address relay (0.0.0.0/0 or ::/0): an open relay. */
    boolean isOpen() {
        return networks.stream().anyMatch(network -> network.prefixLength() == 0);
    }

    /** The entries as configured. */
    List<String> entries() {
        return networks.stream().map(Cidr::toString).toList();
    }
}
