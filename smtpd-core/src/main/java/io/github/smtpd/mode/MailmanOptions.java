package io.github.smtpd.mode;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import io.github.smtpd.Protocol;
import io.github.smtpd.relay.StartTls;
import io.github.smtpd.relay.UpstreamOptions;

/**
 * Settings of {@link MailmanMode}: where Mailman 3's LMTP server is, which addresses are mailing-list
 * addresses, and where every other recipient is relayed.
 *
 * <p>An address is a list address when its domain is one of the list domains and either no list names are
 * configured (the whole domain belongs to Mailman, which refuses unknown lists itself) or its local part is a
 * configured list name, alone or with one of Mailman's suffixes ({@code announce}, {@code announce-request},
 * {@code announce-bounces+bob=example.org}, …).
 *
 * <pre>{@code
 * MailmanOptions options = MailmanOptions.builder()
 *         .lmtpAddress("127.0.0.1:8024")
 *         .listDomains("lists.example.org")
 *         .relay(ProxyOptions.of("mail.internal:25"))
 *         .build();
 * }</pre>
 */
public final class MailmanOptions {

    /** Mailman 3's default LMTP address ({@code [mta] lmtp_host} and {@code lmtp_port}). */
    public static final String DEFAULT_LMTP_ADDRESS = "127.0.0.1:8024";

    /** The local-part suffixes of Mailman's list addresses. */
    public static final List<String> SUFFIXES = List.of("-bounces", "-confirm", "-join", "-leave", "-owner",
            "-request", "-subscribe", "-unsubscribe");

    private final UpstreamOptions lmtp;

    private final Set<String> listDomains;

    private final Set<String> listNames;

    private final ProxyOptions relay;

    private MailmanOptions(Builder builder) {
        if (builder.listDomains.isEmpty()) {
            throw new IllegalArgumentException(
                    "Mailman mode needs at least one list domain, e.g. lists.example.org: it decides which "
                            + "recipients go to Mailman");
        }
        this.lmtp = builder.lmtp != null ? builder.lmtp
                : UpstreamOptions.builder().protocol(Protocol.LMTP).addresses(DEFAULT_LMTP_ADDRESS)
                        .startTls(StartTls.DISABLED).build();
        this.listDomains = Set.copyOf(builder.listDomains);
        this.listNames = Set.copyOf(builder.listNames);
        this.relay = builder.relay;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How to reach Mailman's LMTP server. */
    public UpstreamOptions lmtp() {
        return lmtp;
    }

    /** The list domains, lower-case. */
    public Set<String> listDomains() {
        return listDomains;
    }

    /** The list names, lower-case; empty when every address of the list domains goes to Mailman. */
    public Set<String> listNames() {
        return listNames;
    }

    /** Where other recipients are relayed, and who may relay; {@code null} when nothing but lists is served. */
    public ProxyOptions relay() {
        return relay;
    }

    /** Whether this recipient goes to Mailman. */
    public boolean isListAddress(String address) {
        int at = address.lastIndexOf('@');
        if (at <= 0) {
            return false;
        }
        String domain = address.substring(at + 1).toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (!listDomains.contains(domain)) {
            return false;
        }
        if (listNames.isEmpty()) {
            return true;
        }
        String local = address.substring(0, at).toLowerCase(Locale.ROOT);
        // Mailman's VERP bounces and confirmation cookies ride after a '+': list-bounces+bob=example.org.
        int plus = local.indexOf('+');
        if (plus >= 0) {
            local = local.substring(0, plus);
        }
        if (listNames.contains(local)) {
            return true;
        }
        for (String suffix : SUFFIXES) {
            if (local.endsWith(suffix) && listNames.contains(local.substring(0, local.length() - suffix.length()))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "MailmanOptions[lmtp=" + lmtp + ", domains=" + listDomains + ", lists="
                + (listNames.isEmpty() ? "all" : listNames) + ", relay=" + relay + "]";
    }

    /** Builds {@link MailmanOptions}. */
    public static final class Builder {

        private UpstreamOptions lmtp;

        private final Set<String> listDomains = new LinkedHashSet<>();

        private final Set<String> listNames = new LinkedHashSet<>();

        private ProxyOptions relay;

        private Builder() {
        }

        /** Mailman's LMTP server as {@code host:port}; default {@code 127.0.0.1:8024}, without STARTTLS. */
        public Builder lmtpAddress(String hostPort) {
            this.lmtp = UpstreamOptions.builder().protocol(Protocol.LMTP).addresses(hostPort)
                    .startTls(StartTls.DISABLED).build();
            return this;
        }

        /** Mailman's LMTP server with every option (timeouts, TLS); give it protocol LMTP. */
        public Builder lmtp(UpstreamOptions lmtp) {
            this.lmtp = Objects.requireNonNull(lmtp, "lmtp");
            return this;
        }

        /** The domains of the mailing lists; at least one is required. */
        public Builder listDomains(String... domains) {
            return listDomains(List.of(domains));
        }

        public Builder listDomains(List<String> domains) {
            listDomains.clear();
            domains.stream().filter(d -> d != null && !d.isBlank())
                    .map(d -> d.strip().toLowerCase(Locale.ROOT)).forEach(listDomains::add);
            return this;
        }

        /** The list names (local parts of the posting addresses); none means every address of the list domains. */
        public Builder listNames(String... names) {
            return listNames(List.of(names));
        }

        public Builder listNames(List<String> names) {
            listNames.clear();
            names.stream().filter(n -> n != null && !n.isBlank())
                    .map(n -> n.strip().toLowerCase(Locale.ROOT)).forEach(listNames::add);
            return this;
        }

        /**
         * Relaying of the other recipients, as in {@link ProxyMode}: the upstream, and who may relay (trusted
         * networks, authenticated clients, relay domains). Without it, only list addresses are accepted.
         */
        public Builder relay(ProxyOptions relay) {
            this.relay = relay;
            return this;
        }

        public MailmanOptions build() {
            return new MailmanOptions(this);
        }
    }
}
