package io.github.smtpd.autoconfigure.actuate.health;

import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;

import io.github.smtpd.HostPort;
import io.github.smtpd.Protocol;
import io.github.smtpd.Reply;
import io.github.smtpd.relay.Greetings;
import io.github.smtpd.relay.StartTls;
import io.github.smtpd.relay.UpstreamClient;
import io.github.smtpd.relay.UpstreamException;
import io.github.smtpd.relay.UpstreamOptions;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Checks that an upstream the relay modes send to answers, with the relay's own client, so that the check and the
 * relay agree on what answering means: connect, read the 220 greeting, say EHLO (HELO when EHLO is refused with
 * 5xx, as the relay does) or LHLO, and QUIT. The timeout bounds each step and, as the connection's overall deadline,
 * the whole check, so an upstream that drips a byte at a time can not hold it. UP when the greeting and the hello were
 * accepted; DOWN, with the reply or the error, otherwise. It sends no MAIL, needs no credentials and does not start
 * TLS: it asks whether the upstream takes connections, not whether it would take a given message.
 */
final class UpstreamHealthIndicator implements HealthIndicator {

    private final HostPort address;

    private final Protocol protocol;

    private final String heloName;

    private final Duration timeout;

    private final UpstreamOptions options;

    /**
     * @throws IllegalArgumentException when the timeout is not positive
     */
    UpstreamHealthIndicator(HostPort address, Protocol protocol, String heloName, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("The timeout must be positive, was " + timeout);
        }
        this.address = address;
        this.protocol = protocol;
        this.heloName = heloName;
        this.timeout = timeout;
        this.options = UpstreamOptions.builder()
            .address(address)
            .protocol(protocol)
            .heloName(heloName)
            .startTls(StartTls.DISABLED)
            .connectTimeout(timeout)
            .timeout(timeout)
            .deadline(timeout)
            .build();
    }

    @Override
    public Health health() {
        Health.Builder builder = Health.unknown()
            .withDetail("address", address.toString())
            .withDetail("protocol", protocol.name());
        // Closing says QUIT, so the upstream logs a clean session; its answer does not change the verdict.
        try (UpstreamClient client = UpstreamClient.connect(options, heloName)) {
            said(builder, client.greetings());
            builder.up();
        }
        catch (UpstreamException ex) {
            builder.down();
            if (!said(builder, ex.greetings())) {
                builder.withDetail("error", error(ex));
            }
        }
        return builder.build();
    }

    /**
     * Adds the first lines of the greeting and of the hello that came.
     *
     * @return whether the upstream refused: a greeting other than 220, or a hello other than 250
     */
    private static boolean said(Health.Builder builder, Greetings greetings) {
        if (greetings == null || greetings.greeting() == null) {
            return false;
        }
        builder.withDetail("greeting", firstLine(greetings.greeting()));
        if (greetings.greeting().code() != 220) {
            return true;
        }
        if (greetings.hello() == null) {
            return false;
        }
        builder.withDetail("hello", firstLine(greetings.hello()));
        return greetings.hello().code() != 250;
    }

    /** Why there was no verdict from the upstream itself: the connection failed, timed out or was not SMTP. */
    private String error(UpstreamException ex) {
        Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
        if (cause instanceof SocketTimeoutException) {
            // A read timeout or the overall deadline: either way nothing usable came in time.
            return "no answer within " + timeout.toMillis() + " ms";
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host " + address.host();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message != null ? ": " + Reply.sanitize(message) : "");
    }

    /** A reply's first line as the upstream wrote it, e.g. {@code 250-mx.example.org}; already sanitized. */
    private static String firstLine(Reply reply) {
        String wire = reply.toWire(true);
        return wire.substring(0, wire.indexOf("\r\n"));
    }
}
