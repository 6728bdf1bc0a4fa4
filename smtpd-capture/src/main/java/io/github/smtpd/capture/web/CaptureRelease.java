package io.github.smtpd.capture.web;

import java.io.ByteArrayInputStream;
import java.util.List;

import io.github.smtpd.Reply;
import io.github.smtpd.relay.UpstreamClient;
import io.github.smtpd.relay.UpstreamException;
import io.github.smtpd.relay.UpstreamOptions;

/** Sends a captured message on to a real SMTP server with the project's relay client ("release" in Mailpit). */
public class CaptureRelease {

    private final UpstreamOptions options;

    private final String sender;

    private final String heloName;

    /**
     * @param options the server to send to, or {@code null} when none is configured
     * @param sender the envelope sender to use, or {@code null} for the message's own
     */
    public CaptureRelease(UpstreamOptions options, String sender, String heloName) {
        this.options = options;
        this.sender = sender;
        this.heloName = heloName;
    }

    /** Whether a server to release to is configured. */
    public boolean isConfigured() {
        return options != null;
    }

    /** The server released messages go to, for the UI. */
    public String describe() {
        return options != null ? options.addresses().get(0).toString() : "";
    }

    /**
     * Sends {@code content} to {@code recipients}.
     *
     * @throws ReleaseException when the server could not be reached or refused the message
     */
    public void release(String mailFrom, List<String> recipients, byte[] content) {
        String reversePath = sender != null ? sender : (mailFrom == null || mailFrom.equals("<>") ? "" : mailFrom);
        try (UpstreamClient client = UpstreamClient.connect(options, heloName)) {
            Reply mail = client.mail(reversePath, List.of());
            if (!mail.isPositive()) {
                throw new ReleaseException("the server refused the sender: " + mail);
            }
            for (String recipient : recipients) {
                Reply rcpt = client.rcpt(recipient, List.of());
                if (!rcpt.isPositive()) {
                    throw new ReleaseException("the server refused " + recipient + ": " + rcpt);
                }
            }
            for (Reply reply : client.data(new ByteArrayInputStream(content))) {
                if (!reply.isPositive()) {
                    throw new ReleaseException("the server refused the message: " + reply);
                }
            }
        }
        catch (UpstreamException ex) {
            throw new ReleaseException("could not send to " + describe() + ": " + ex.getMessage());
        }
    }

    /** Why a release failed, in words for the API's client. */
    public static class ReleaseException extends RuntimeException {

        public ReleaseException(String message) {
            super(message);
        }
    }
}
