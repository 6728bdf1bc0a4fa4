package io.github.smtpd.autoconfigure.metrics;

import io.github.smtpd.SmtpServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@code smtpd.sessions.active}: the sessions connected now, read from the server when the registry asks, so it
 * always agrees with the {@code smtpd} endpoint's list.
 */
public class SmtpdSessionsMeterBinder implements MeterBinder {

    private final SmtpServer server;

    public SmtpdSessionsMeterBinder(SmtpServer server) {
        this.server = server;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("smtpd.sessions.active", server, (smtpServer) -> smtpServer.getSessions().size())
            .description("SMTP sessions connected now")
            .register(registry);
    }
}
