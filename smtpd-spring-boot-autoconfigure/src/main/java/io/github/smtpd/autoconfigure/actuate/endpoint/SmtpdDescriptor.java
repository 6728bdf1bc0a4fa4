package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.util.List;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The body of {@code GET /actuator/smtpd}.
 *
 * @param address the address the server listens on, {@code host:port}
 * @param implicitTlsAddress the implicit TLS listener's address, or {@code null} when there is none
 * @param hostName the name the server greets with
 * @param mode {@code default}, {@code debugging}, {@code proxy} or {@code mailman}
 * @param state {@code accepting}, {@code paused} (new connections get 421) or {@code stopped}
 * @param startedAt when the server started listening, ISO-8601, or {@code null}
 * @param uptime how long since then, in whole seconds, as an ISO-8601 duration such as {@code PT2H5M10S}
 * @param totals what the server has done since the application started
 * @param sessions the connected sessions, oldest first
 */
public record SmtpdDescriptor(String address, String implicitTlsAddress, String hostName, String mode, String state,
        String startedAt, String uptime, TotalsDescriptor totals, List<SessionDescriptor> sessions)
        implements OperationResponseBody {
}
