package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.util.List;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The body of {@code GET /actuator/smtpd/sessions}: an object rather than a bare array, so fields can be added later.
 *
 * @param sessions the connected sessions, oldest first
 */
public record SessionsDescriptor(List<SessionDescriptor> sessions) implements OperationResponseBody {
}
