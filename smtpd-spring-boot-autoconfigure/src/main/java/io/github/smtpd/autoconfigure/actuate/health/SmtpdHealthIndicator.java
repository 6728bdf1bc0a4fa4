package io.github.smtpd.autoconfigure.actuate.health;

import java.net.InetSocketAddress;

import io.github.smtpd.HostPort;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.context.SmtpServerBootstrap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The SMTP server's own health, named {@code smtpd}:
 * <ul>
 * <li>UP while it listens and accepts;</li>
 * <li>OUT_OF_SERVICE while it is paused (new connections get 421) or deliberately stopped, so a readiness probe
 * takes the instance out of rotation without a liveness probe restarting it;</li>
 * <li>DOWN when the listener died while the application still wants it running: the accept loop failed and no new
 * connection will ever be taken, which only a restart cures.</li>
 * </ul>
 */
public class SmtpdHealthIndicator implements HealthIndicator {

    private final SmtpServer server;

    private final SmtpServerBootstrap bootstrap;

    /**
     * @param bootstrap the lifecycle bean that runs the server, or {@code null} when the application starts it
     *        itself; then a server that is not running counts as DOWN
     */
    public SmtpdHealthIndicator(SmtpServer server, SmtpServerBootstrap bootstrap) {
        this.server = server;
        this.bootstrap = bootstrap;
    }

    @Override
    public Health health() {
        boolean wanted = bootstrap == null || bootstrap.isRunning();
        Health.Builder builder;
        if (!wanted) {
            builder = Health.outOfService().withDetail("state", "stopped");
        }
        else if (!server.isRunning()) {
            builder = Health.down()
                .withDetail("state", "stopped")
                .withDetail("error", "The SMTP listener stopped accepting connections; the log says why");
        }
        else if (server.isPaused()) {
            builder = Health.outOfService().withDetail("state", "paused");
        }
        else {
            builder = Health.up().withDetail("state", "accepting");
        }
        return builder.withDetail("address", format(server.getLocalAddress()))
            .withDetail("sessions", server.getSessions().size())
            .build();
    }

    private static String format(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return new HostPort(host, address.getPort()).toString();
    }
}
