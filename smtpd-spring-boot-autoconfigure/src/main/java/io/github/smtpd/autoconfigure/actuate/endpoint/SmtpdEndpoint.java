package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.mode.CapturedMessage;
import io.github.smtpd.mode.DebuggingMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code smtpd} actuator endpoint: what the SMTP server is doing, and a switch to stop it taking new
 * connections during a rolling restart.
 *
 * <ul>
 * <li>{@code GET /actuator/smtpd}: address, mode, state, uptime, totals and the connected sessions;</li>
 * <li>{@code GET /actuator/smtpd/sessions}: the connected sessions;</li>
 * <li>{@code GET /actuator/smtpd/messages} and {@code GET /actuator/smtpd/messages/{id}}: in debugging mode, the
 * kept messages and one of them raw ({@code message/rfc822});</li>
 * <li>{@code POST /actuator/smtpd} with {@code {"state": "paused"}} or {@code {"state": "accepting"}}.</li>
 * </ul>
 * A read that finds nothing returns {@code null}, which the web layer turns into 404.
 */
// Read-only unless the application opts in (management.endpoint.smtpd.access=unrestricted): pausing stops mail.
@Endpoint(id = "smtpd", defaultAccess = org.springframework.boot.actuate.endpoint.Access.READ_ONLY)
public class SmtpdEndpoint {

    static final String SESSIONS = "sessions";

    static final String MESSAGES = "messages";

    static final String ACCEPTING = "accepting";

    static final String PAUSED = "paused";

    static final String STOPPED = "stopped";

    private static final Logger logger = LoggerFactory.getLogger(SmtpdEndpoint.class);

    private final SmtpServer server;

    private final SmtpdStatistics statistics;

    private final String mode;

    private final DebuggingMode debugging;

    /**
     * @param mode the {@code smtpd.mode} in lower case
     * @param debugging the debugging mode whose messages to show, or {@code null} outside debugging mode
     */
    public SmtpdEndpoint(SmtpServer server, SmtpdStatistics statistics, String mode, DebuggingMode debugging) {
        this.server = server;
        this.statistics = statistics;
        this.mode = mode;
        this.debugging = debugging;
    }

    @ReadOperation
    public SmtpdDescriptor smtpd() {
        List<SessionDescriptor> sessions = sessions().sessions();
        long runningBytes = sessions.stream().mapToLong(SessionDescriptor::bytesIn).sum();
        TotalsDescriptor totals = new TotalsDescriptor(statistics.sessions(), statistics.connectionsRejected(),
                new TotalsDescriptor.Messages(statistics.messagesAccepted(), statistics.messagesRejected(),
                        statistics.messagesFailed()),
                statistics.messageBytes(), statistics.closedSessionBytes() + runningBytes);
        return new SmtpdDescriptor(SocketAddresses.format(server.getLocalAddress()),
                SocketAddresses.format(server.getImplicitTlsAddress()), server.settings().hostName(), mode, state(),
                statistics.startedAt() != null ? statistics.startedAt().toString() : null,
                statistics.uptime().truncatedTo(ChronoUnit.SECONDS).toString(), totals, sessions);
    }

    /** {@code sessions}, or {@code messages} in debugging mode; anything else is not found. */
    @ReadOperation
    public OperationResponseBody section(@Selector String section) {
        return switch (section) {
            case SESSIONS -> sessions();
            case MESSAGES -> (debugging != null) ? messages(debugging) : null;
            default -> null;
        };
    }

    /** One kept message as received, CRLF line endings and all: open it in a mail client, or read it as text. */
    @ReadOperation(produces = { "message/rfc822", "text/plain" })
    public byte[] message(@Selector String section, @Selector String id) {
        if (!MESSAGES.equals(section) || debugging == null) {
            return null;
        }
        return debugging.message(id).map(CapturedMessage::content).orElse(null);
    }

    /**
     * Pauses or resumes accepting. While paused, new connections get {@code 421} and are closed, and sessions already
     * connected go on to the end; health reports OUT_OF_SERVICE, so a readiness probe takes the instance out of
     * rotation.
     *
     * @param state {@code paused} or {@code accepting}
     */
    @WriteOperation
    public SmtpdDescriptor state(String state) {
        switch (state.strip().toLowerCase(Locale.ROOT)) {
            case PAUSED -> {
                server.pause();
                logger.info("SMTP server paused from the smtpd endpoint: new connections get 421 until it resumes");
            }
            case ACCEPTING -> {
                server.resume();
                logger.info("SMTP server accepting connections again (resumed from the smtpd endpoint)");
            }
            default -> throw new InvalidEndpointRequestException("Unknown state '" + state + "'",
                    "state must be 'paused' or 'accepting'");
        }
        return smtpd();
    }

    private String state() {
        if (!server.isRunning()) {
            return STOPPED;
        }
        return server.isPaused() ? PAUSED : ACCEPTING;
    }

    private SessionsDescriptor sessions() {
        return new SessionsDescriptor(server.getSessions().stream()
            .sorted(Comparator.comparing(SmtpSession::since))
            .map(SessionDescriptor::of)
            .toList());
    }

    private static CapturedMessagesDescriptor messages(DebuggingMode debugging) {
        return new CapturedMessagesDescriptor(debugging.capacity(),
                debugging.messages().stream().map(CapturedMessageDescriptor::of).toList());
    }
}
