package io.github.smtpd.autoconfigure.context;

import org.springframework.context.SmartLifecycle;

/**
 * Drains the SMTP server in the phase Spring Boot drains its web servers in
 * ({@code WebServerGracefulShutdownLifecycle}), so both drain at the same time rather than one after the other;
 * the {@link SmtpServerBootstrap}'s own stop, one phase later, then has nothing left to do.
 */
public class SmtpServerGracefulShutdown implements SmartLifecycle {

    /**
     * Spring Boot's {@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE}, repeated for the same reason as
     * {@link SmtpServerBootstrap#PHASE}.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

    private final SmtpServerBootstrap bootstrap;

    public SmtpServerGracefulShutdown(SmtpServerBootstrap bootstrap) {
        this.bootstrap = bootstrap;
    }

    @Override
    public void start() {
        // Starting is the bootstrap's job; this bean only takes part in stopping.
    }

    @Override
    public void stop() {
        bootstrap.stop();
    }

    @Override
    public void stop(Runnable callback) {
        bootstrap.stop(callback);
    }

    @Override
    public boolean isRunning() {
        return bootstrap.isRunning();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
