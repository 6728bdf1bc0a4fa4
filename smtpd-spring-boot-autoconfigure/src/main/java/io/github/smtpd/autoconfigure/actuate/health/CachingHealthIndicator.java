package io.github.smtpd.autoconfigure.actuate.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Answers from the last check until it is {@code timeToLive} old, so that probes polled every few seconds, by
 * several instances, do not open a connection to an upstream each time. The answer carries {@code checkedAt}.
 * Callers that arrive during a check wait for it rather than start their own.
 */
final class CachingHealthIndicator implements HealthIndicator {

    private final HealthIndicator delegate;

    private final Duration timeToLive;

    private final Clock clock;

    private Health cached;

    private Instant checkedAt;

    CachingHealthIndicator(HealthIndicator delegate, Duration timeToLive, Clock clock) {
        this.delegate = delegate;
        this.timeToLive = timeToLive;
        this.clock = clock;
    }

    @Override
    public synchronized Health health() {
        Instant now = clock.instant();
        if (cached == null || !now.isBefore(checkedAt.plus(timeToLive))) {
            Health health = delegate.health();
            cached = (health != null) ? health : Health.unknown().build();
            checkedAt = now;
        }
        return Health.status(cached.getStatus())
            .withDetails(cached.getDetails())
            .withDetail("checkedAt", checkedAt.toString())
            .build();
    }
}
