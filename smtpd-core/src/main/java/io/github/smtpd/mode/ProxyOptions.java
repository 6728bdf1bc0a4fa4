package io.github.smtpd.mode;

import java.util.List;
import java.util.Objects;

import io.github.smtpd.relay.UpstreamOptions;

/**
 * Settings of {@link ProxyMode}: the upstream, the client networks allowed to relay, and whether to add smtpd's
 * {@code X-Peer} header.
 *
 * <pre>{@code
 * ProxyOptions options = ProxyOptions.builder()
 *         .upstream(UpstreamOptions.builder().addresses("mail.internal:25").build())
 *         .trustedNetworks("127.0.0.0/8", "::1/128", "10.0.0.0/8")
 *         .build();
 * }</pre>
 */
public final class ProxyOptions {

    /** Loopback only: relaying for anyone else must be configured on purpose. */
    public static final List<String> DEFAULT_TRUSTED_NETWORKS = List.of("127.0.0.0/8", "::1/128");

    private final UpstreamOptions upstream;

    private final TrustedNetworks trustedNetworks;

    private final boolean peerHeader;

    private ProxyOptions(Builder builder) {
        if (builder.upstream == null) {
            throw new IllegalArgumentException("Proxy mode needs an upstream: set at least one remote host:port");
        }
        this.upstream = builder.upstream;
        this.trustedNetworks = TrustedNetworks.parse(builder.trustedNetworks);
        this.peerHeader = builder.peerHeader;
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

    /** Whether an {@code X-Peer: <client ip>} header is added, as smtpd's PureProxy did. */
    public boolean peerHeader() {
        return peerHeader;
    }

    TrustedNetworks networks() {
        return trustedNetworks;
    }

    @Override
    public String toString() {
        return "ProxyOptions[" + upstream + ", trusted=" + trustedNetworks.entries() + ", peerHeader=" + peerHeader + "]";
    }

    /** Builds {@link ProxyOptions}. */
    public static final class Builder {

        private UpstreamOptions upstream;

        private List<String> trustedNetworks = DEFAULT_TRUSTED_NETWORKS;

        private boolean peerHeader;

        private Builder() {
        }

        /** Where to relay; required. */
        public Builder upstream(UpstreamOptions upstream) {
            this.upstream = Objects.requireNonNull(upstream, "upstream");
            return this;
        }

        /**
         * The client networks allowed to relay, as CIDR blocks or single addresses; everyone else gets 554 5.7.1
         * at RCPT. Default loopback only ({@link #DEFAULT_TRUSTED_NETWORKS}).
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
