package io.github.smtpd.autoconfigure.actuate.health;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the {@code smtpdUpstreams} health contributor checks the relay modes' upstreams
 * ({@code management.health.smtpd-upstreams.*}).
 */
@ConfigurationProperties("management.health.smtpd-upstreams")
public class SmtpdUpstreamHealthProperties {

    /**
     * Time allowed for one upstream check: connect, greeting, EHLO or LHLO. Keep it below the probe's own timeout.
     */
    private Duration timeout = Duration.ofSeconds(2);

    /**
     * How long a check's result is reused before the upstream is contacted again, so frequent health checks from
     * many instances do not hammer it. 0 checks on every request.
     */
    private Duration cacheTimeToLive = Duration.ofSeconds(30);

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public Duration getCacheTimeToLive() {
        return cacheTimeToLive;
    }

    public void setCacheTimeToLive(Duration cacheTimeToLive) {
        this.cacheTimeToLive = cacheTimeToLive;
    }
}
