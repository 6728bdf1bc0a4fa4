package io.github.smtpd.autoconfigure.mode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

import io.github.smtpd.HostPort;
import io.github.smtpd.autoconfigure.context.SmtpServerInitializedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationListener;

/**
 * Once the server is listening in a relaying mode, tries to connect to each upstream and warns when none answers:
 * {@code smtpd.remoteaddr} keeps smtpd's default, {@code localhost:25}, which a new application rarely has, and
 * without this every client would simply get 451 with nothing in the log at start to say why. It only connects
 * (no SMTP), on a thread of its own, so the start is never delayed.
 */
class UpstreamReachabilityCheck implements ApplicationListener<SmtpServerInitializedEvent> {

    private static final Logger logger = LoggerFactory.getLogger(UpstreamReachabilityCheck.class);

    private final String property;

    private final List<HostPort> upstreams;

    private final Duration timeout;

    /** @param property the property naming the upstreams, for the warning */
    UpstreamReachabilityCheck(String property, List<HostPort> upstreams, Duration timeout) {
        this.property = property;
        this.upstreams = List.copyOf(upstreams);
        this.timeout = timeout;
    }

    @Override
    public void onApplicationEvent(SmtpServerInitializedEvent event) {
        Thread check = new Thread(this::check, "smtpd-upstream-check");
        check.setDaemon(true);
        check.start();
    }

    /** @return whether an upstream answered */
    boolean check() {
        StringBuilder failures = new StringBuilder();
        for (HostPort upstream : upstreams) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(upstream.host(), upstream.port()), (int) timeout.toMillis());
                return true;
            }
            catch (IOException | IllegalArgumentException ex) {
                failures.append(failures.length() > 0 ? "; " : "").append(upstream).append(": ").append(ex.getMessage());
            }
        }
        logger.warn("No upstream of {} can be reached ({}). Every message will get 451 until one can: set {} to the "
                + "server that takes this gateway's mail.", property, failures, property);
        return false;
    }
}
