package io.github.smtpd.mode;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.github.smtpd.relay.UpstreamOptions;

/**
 * Settings of {@link ProxyMode}: the upstream, who may relay (trusted networks, authenticated clients, relay
 * domains), and whether to add smtpd's {@code X-Peer} header.
 *
 * <pre>{@code
 * ProxyOptions options = ProxyOptions.builder()
 *         .upstream(UpstreamOptions.builder().addresses("mail.internal:25").build())
 *         .trustedNetworks("127.0.0.0/8", "::1/128", "10.0.0.0/8")
 *         .relayDomains("example.org")          // mail for example.org is taken from anyone
 *         .build();
 * }</pre>
 */
public final class ProxyOptions {

    /** Loopback only: relaying for anyone else must be configured on purpose. */
    public static final List<String> DEFAULT_TRUSTED_NETWORKS = List.of("127.0.0.0/8", "::1/128");

    private final UpstreamOptions upstream;

    private final TrustedNetworks trustedNetworks;

    private final boolean authenticatedClientsMayRelay;

    private final List<String> relayDomains;

    private final boolean peerHeader;

    private final RelayPolicy policy;

    private ProxyOptions(Builder builder) {
        if (builder.upstream == null) {
            throw new IllegalArgumentException("Proxy mode needs an upstream: set at least one remote host:port");
        }
        this.upstream = builder.upstream;
        this.trustedNetworks = TrustedNetworks.parse(builder.trustedNetworks);
        this.authenticatedClientsMayRelay = builder.authenticatedClientsMayRelay;
        this.relayDomains = relayDomains(builder.relayDomains);
        this.peerHeader = builder.peerHeader;
        this.policy = new RelayPolicy(trustedNetworks, authenticatedClientsMayRelay, relayDomains);
    }

    private static List<String> relayDomains(List<String> configured) {
        List<String> domains = new ArrayList<>();
        for (String domain : configured) {
            if (domain == null || domain.isBlank()) {
                continue;
            }
            String value = domain.strip();
            if (value.startsWith(".") || value.contains("@") || value.contains("*") || !value.matches("\\S+")) {
                throw new IllegalArgumentException("Relay domain '" + value + "' is invalid: give domain names such "
                        + "as example.org; each matches exactly that domain, not its subdomains");
            }
            domains.add(value);
        }
        return List.copyOf(domains);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A proxy to these {@code host:port} upstreams, tried in order, with every other setting at its default. */
    public static ProxyOptions of(String... remoteAddresses) {
        return builder().upstream(UpstreamOptions.builder().addresses(remoteAddresses).build()).build();
    }

    public UpstreamOptions upstream() {
        return upstream;
    }

    /** The trusted networks as configured. */
    public List<String> trustedNetworks() {
        return trustedNetworks.entries();
    }

    /** Whether a client that authenticated with AUTH may relay to any recipient. */
    public boolean authenticatedClientsMayRelay() {
        return authenticatedClientsMayRelay;
    }

    /** The domains whose recipients are accepted from any client, as configured. */
    public List<String> relayDomains() {
        return relayDomains;
    }

    /** Whether an {@code X-Peer: <client ip>} header is added, as smtpd's PureProxy did. */
    public boolean peerHeader() {
        return peerHeader;
    }

    RelayPolicy policy() {
        return policy;
    }

    @Override
    public String toString() {
        return "ProxyOptions[" + upstream + ", trusted=" + trustedNetworks.entries() + ", authenticatedMayRelay="
                + authenticatedClientsMayRelay + ", relayDomains=" + relayDomains + ", peerHeader=" + peerHeader + "]";
    }

    /** Builds {@link ProxyOptions}. */
    public static final class Builder {

        private UpstreamOptions upstream;

        private List<String> trustedNetworks = DEFAULT_TRUSTED_NETWORKS;

        private boolean authenticatedClientsMayRelay = true;

        private List<String> relayDomains = List.of();

        private boolean peerHeader;

        private Builder() {
        }

        /** Where to relay; required. */
        public Builder upstream(UpstreamOptions upstream) {
            this.upstream = Objects.requireNonNull(upstream, "upstream");
            return this;
        }

        /**
         * The client networks allowed to relay to any recipient, as CIDR blocks or single addresses (see
         * {@link io.github.smtpd.Cidr}). Default loopback only ({@link #DEFAULT_TRUSTED_NETWORKS}).
         *
         * @throws IllegalArgumentException at {@link #build()} for an entry that is not an IP network
         */
        public Builder trustedNetworks(String... networks) {
            return trustedNetworks(List.of(networks));
        }

        public Builder trustedNetworks(List<String> networks) {
            this.trustedNetworks = List.copyOf(networks);
            return this;
        }

        /**
         * Whether a client that authenticated with AUTH (from any address) may relay to any recipient, as
         * Postfix's {@code permit_sasl_authenticated}. Default {@code true}; it matters only on a server with
         * an authenticator.
         */
        public Builder authenticatedClientsMayRelay(boolean mayRelay) {
            this.authenticatedClientsMayRelay = mayRelay;
            return this;
        }

        /**
         * Domains whose recipients are accepted from any client, as Postfix's {@code relay_domains}: the
         * domains this gateway receives mail for. Each matches exactly, case-insensitively; a subdomain must be
         * listed itself. Default none.
         *
         * @throws IllegalArgumentException at {@link #build()} for an entry that is not a domain name
         */
        public Builder relayDomains(String... domains) {
            return relayDomains(List.of(domains));
        }

        public Builder relayDomains(List<String> domains) {
            this.relayDomains = List.copyOf(domains);
            return this;
        }

        /**
         * Adds smtpd's {@code X-Peer: <client ip>} header at the end of the header section, where smtpd's
         * PureProxy put it. Default off.
         */
        public Builder peerHeader(boolean peerHeader) {
            this.peerHeader = peerHeader;
            return this;
        }

        public ProxyOptions build() {
            return new ProxyOptions(this);
        }
    }
}
