package io.github.smtpd.mode;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.smtpd.Reply;
import io.github.smtpd.SmtpSession;

/**
 * Who may relay through the proxy and mailman modes, after Postfix's {@code permit_mynetworks,
 * permit_sasl_authenticated, reject_unauth_destination}: a client in the trusted networks, or one that
 * authenticated with AUTH, may send to any recipient; anyone else only to recipients in the relay domains
 * (Postfix's {@code relay_domains}), and everything else gets {@code 554 5.7.1} at RCPT. With no relay domains
 * and loopback as the only trusted network, the default is not an open relay.
 */
final class RelayPolicy {

    static final Reply RELAY_DENIED = Reply.of(554, "5.7.1", "Relay access denied");

    private final TrustedNetworks trustedNetworks;

    private final boolean authenticatedClientsMayRelay;

    private final Set<String> relayDomains;

    RelayPolicy(TrustedNetworks trustedNetworks, boolean authenticatedClientsMayRelay, List<String> relayDomains) {
        this.trustedNetworks = trustedNetworks;
        this.authenticatedClientsMayRelay = authenticatedClientsMayRelay;
        this.relayDomains = relayDomains.stream().map(RelayPolicy::normalize).collect(Collectors.toUnmodifiableSet());
    }

    /** Whether this client may send to any recipient: trusted network or, when allowed, authenticated. */
    boolean mayRelayAnywhere(SmtpSession session) {
        return trustedNetworks.contains(session.peer().getAddress())
                || (authenticatedClientsMayRelay && session.authenticatedUser() != null);
    }

    /** Whether this client may send to this recipient. */
    boolean mayRelay(SmtpSession session, String recipient) {
        return mayRelayAnywhere(session) || isRelayDomain(recipient);
    }

    /**
     * Whether the recipient's domain is one of the relay domains, exactly (subdomains are not included) and
     * case-insensitively. A local part with routing in it ({@code user%elsewhere@relay.example},
     * {@code elsewhere!user@…}, {@code "user@elsewhere"@…}) does not count: the upstream might honour the route
     * and pass the mail on elsewhere, which is relaying for strangers (Postfix's allow_untrusted_routing=no).
     */
    boolean isRelayDomain(String recipient) {
        int at = recipient.lastIndexOf('@');
        if (at <= 0 || relayDomains.isEmpty()) {
            return false;
        }
        String local = recipient.substring(0, at);
        if (local.indexOf('%') >= 0 || local.indexOf('!') >= 0 || local.indexOf('@') >= 0) {
            return false;
        }
        return relayDomains.contains(normalize(recipient.substring(at + 1)));
    }

    /** Whether anybody at all may relay anywhere: a trusted network of 0.0.0.0/0 or ::/0. */
    boolean isOpen() {
        return trustedNetworks.isOpen();
    }

    private static String normalize(String domain) {
        String lower = domain.strip().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
