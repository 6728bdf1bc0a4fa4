package io.github.smtpd.mode;

import java.time.Instant;
import java.util.List;

/**
 * A message kept by {@link DebuggingMode}: its envelope, a summary and its raw bytes, for an endpoint to show.
 *
 * @param id the server's id of the message
 * @param peer the client's IP address
 * @param mailFrom the reverse path, {@code <>} for the null sender
 * @param rcptTos the recipients
 * @param subject the decoded Subject header, or {@code null} when there is none
 * @param size the size of the whole message in bytes
 * @param receivedAt when the end of data was received
 * @param truncated whether {@link #content()} holds only the first part of a larger message
 */
public record CapturedMessage(String id, String peer, String mailFrom, List<String> rcptTos, String subject,
        long size, Instant receivedAt, boolean truncated, byte[] content) {

    public CapturedMessage {
        rcptTos = List.copyOf(rcptTos);
        content = content.clone();
    }

    /** The raw bytes as received, CRLF line ends and all; a copy. */
    @Override
    public byte[] content() {
        return content.clone();
    }

    @Override
    public String toString() {
        return "CapturedMessage[id=" + id + ", from=" + mailFrom + ", to=" + rcptTos + ", subject=" + subject
                + ", size=" + size + "]";
    }
}
