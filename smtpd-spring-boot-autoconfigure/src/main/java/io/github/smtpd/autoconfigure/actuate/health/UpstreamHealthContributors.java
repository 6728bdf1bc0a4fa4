package io.github.smtpd.autoconfigure.actuate.health;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.smtpd.HostPort;
import io.github.smtpd.Protocol;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.github.smtpd.autoconfigure.SmtpdProperties.Mode;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.util.StringUtils;

/**
 * Builds the {@code smtpdUpstreams} contributor from the {@code smtpd.*} properties the modes use: one member per
 * address in {@code smtpd.remoteaddr}, named by that address, and in mailman mode one named {@code mailman} for
 * {@code smtpd.mailman.lmtp-address}. Each member is checked on its own and cached.
 */
final class UpstreamHealthContributors {

    /** The member name of Mailman's LMTP server: not an address, so it can not clash with a relay address. */
    static final String MAILMAN = "mailman";

    private UpstreamHealthContributors() {
    }

    static CompositeHealthContributor of(SmtpdProperties properties, String defaultHeloName,
            SmtpdUpstreamHealthProperties health) {
        String heloName = firstText(properties.getRelay().getHeloName(), properties.getHostName(), defaultHeloName);
        Map<String, HealthIndicator> members = new LinkedHashMap<>();
        if (properties.getMode() == Mode.MAILMAN) {
            members.put(MAILMAN, member(properties.getMailman().getLmtpAddress(),
                    Protocol.LMTP, heloName, health));
        }
        SmtpdProperties.remoteAddresses(properties.getRemoteaddr()).stream().distinct()
            .forEach((address) -> members.put(address,
                    member(address, Protocol.SMTP, heloName, health)));
        return CompositeHealthContributor.fromMap(members);
    }

    private static HealthIndicator member(String address, Protocol protocol, String heloName,
            SmtpdUpstreamHealthProperties health) {
        UpstreamHealthIndicator check;
        try {
            check = new UpstreamHealthIndicator(HostPort.parse(address), protocol, heloName, health.getTimeout());
        }
        catch (IllegalArgumentException ex) {
            // A bad address (the mode's own start-up check names the property) or a timeout that is not positive:
            // health only reports it, never fails start-up.
            return () -> Health.down().withDetail("address", address).withDetail("error", ex.getMessage()).build();
        }
        return new CachingHealthIndicator(check, health.getCacheTimeToLive(), Clock.systemUTC());
    }

    private static String firstText(String... candidates) {
        for (String candidate : candidates) {
            if (StringUtils.hasText(candidate)) {
                return candidate.trim();
            }
        }
        return "localhost";
    }
}
