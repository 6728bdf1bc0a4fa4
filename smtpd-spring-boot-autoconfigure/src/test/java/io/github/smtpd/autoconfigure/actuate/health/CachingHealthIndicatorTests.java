package io.github.smtpd.autoconfigure.actuate.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

/** The cache in front of upstream checks, on a clock the test moves. */
class CachingHealthIndicatorTests {

    private final AtomicInteger checks = new AtomicInteger();

    private final MovableClock clock = new MovableClock();

    private final CachingHealthIndicator indicator = new CachingHealthIndicator(
            () -> Health.status(checks.incrementAndGet() == 1 ? Status.UP : Status.DOWN).withDetail("check", checks.get())
                .build(),
            Duration.ofSeconds(30), clock);

    @Test
    void reusesTheResultUntilItIsTimeToLiveOld() {
        Health first = indicator.health();
        clock.advance(Duration.ofSeconds(29));
        Health second = indicator.health();

        assertThat(checks).hasValue(1);
        assertThat(second).isEqualTo(first);
        assertThat(second.getStatus()).isEqualTo(Status.UP);
        assertThat(second.getDetails()).containsEntry("check", 1).containsEntry("checkedAt", "2030-01-01T00:00:00Z");
    }

    @Test
    void checksAgainOnceExpired() {
        indicator.health();
        clock.advance(Duration.ofSeconds(30));
        Health second = indicator.health();

        assertThat(checks).hasValue(2);
        assertThat(second.getStatus()).isEqualTo(Status.DOWN);
        assertThat(second.getDetails()).containsEntry("checkedAt", "2030-01-01T00:00:30Z");
    }

    @Test
    void zeroTimeToLiveChecksEveryTime() {
        CachingHealthIndicator uncached = new CachingHealthIndicator(
                () -> Health.up().withDetail("check", checks.incrementAndGet()).build(), Duration.ZERO, clock);
        uncached.health();
        uncached.health();
        assertThat(checks).hasValue(2);
    }

    @Test
    void detailsCanBeLeftOut() {
        assertThat(indicator.health(false).getDetails()).isEmpty();
    }

    private static final class MovableClock extends Clock {

        private Instant now = Instant.parse("2030-01-01T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
