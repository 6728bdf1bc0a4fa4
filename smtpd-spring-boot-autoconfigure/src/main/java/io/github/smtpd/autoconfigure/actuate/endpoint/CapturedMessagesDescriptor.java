package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.util.List;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The body of {@code GET /actuator/smtpd/messages} in debugging mode.
 *
 * @param capacity how many messages debugging mode keeps ({@code smtpd.debugging.capacity})
 * @param messages the kept messages, newest first
 */
public record CapturedMessagesDescriptor(int capacity, List<CapturedMessageDescriptor> messages)
        implements OperationResponseBody {
}
