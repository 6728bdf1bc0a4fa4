package io.github.smtpd.autoconfigure.context;

import java.time.Duration;

import io.github.smtpd.SmtpServer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the {@link SmtpServer} with the application context and stops it gracefully with it.
 *
 * <p>It starts in the phase Spring Boot starts its web servers in, so the server takes mail only once every bean
 * is ready. Stopping drains: no new sessions, transactions in progress get {@code shutdownGracePeriod} to
 * finish, the rest get 421. The drain itself is started earlier by {@link SmtpServerGracefulShutdown}, in the
 * phase web servers drain in, so HTTP and SMTP drain together.
 */
public class SmtpServerBootstrap implements SmartLifecycle {

    /**
     * Spring Boot's {@code WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE}, repeated here because
     * that interface lives in {@code spring-boot-web-server}, which an SMTP-only application does not have.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

    private final SmtpServer server;

    private final Duration shutdownGracePeriod;

    private final ApplicationContext applicationContext;

    private volatile boolean running;

    public SmtpServerBootstrap(SmtpServer server, Duration shutdownGracePeriod, ApplicationContext applicationContext) {
        this.server = server;
        this.shutdownGracePeriod = shutdownGracePeriod;
        this.applicationContext = applicationContext;
    }

    @Override
    public void start() {
        server.start();
        running = true;
        applicationContext.publishEvent(new SmtpServerInitializedEvent(server, applicationContext));
    }

    @Override
    public void stop() {
        running = false;
        server.stop(shutdownGracePeriod);
    }

    /**
     * Drains on a thread of its own so that the web server, draining in the same phase, does so at the same time; Spring
     * waits for the callback up to {@code spring.lifecycle.timeout-per-shutdown-phase}. The thread is not a
     * daemon: if Spring stops waiting, the drain still finishes before the JVM exits.
     */
    @Override
    public void stop(Runnable callback) {
        if (!running) {
            callback.run();
            return;
        }
        running = false;
        Thread drain = new Thread(() -> {
            try {
                server.stop(shutdownGracePeriod);
            }
            finally {
                callback.run();
            }
        }, "smtpd-shutdown");
        drain.setDaemon(false);
        drain.start();
    }

    @Override
    public boolean isRunning() {
        // Our own flag rather than server.isRunning(): if the listener died, stop() must still drain sessions.
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    public SmtpServer getSmtpServer() {
        return server;
    }
}
