package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.util.List;

import io.github.smtpd.mode.CapturedMessage;

/**
 * A message kept by debugging mode, without its content ({@code GET /actuator/smtpd/messages/{id}} has that).
 *
 * @param id the message id, as in the log line
 * @param peer the client's IP address
 * @param from the reverse path, {@code <>} for the null sender
 * @param to the recipients
 * @param subject the decoded Subject header, or {@code null}
 * @param size the whole message's size in bytes
 * @param receivedAt when the end of data arrived, ISO-8601
 * @param truncated whether only the first {@code smtpd.debugging.max-content-size} bytes were kept
 */
public record CapturedMessageDescriptor(String id, String peer, String from, List<String> to, String subject,
        long size, String receivedAt, boolean truncated) {

    static CapturedMessageDescriptor of(CapturedMessage message) {
        return new CapturedMessageDescriptor(message.id(), message.peer(), message.mailFrom(), message.rcptTos(),
                message.subject(), message.size(),
                message.receivedAt() != null ? message.receivedAt().toString() : null, message.truncated());
    }
}
