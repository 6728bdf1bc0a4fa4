package io.github.smtpd.relay;

import java.io.IOException;

import io.github.smtpd.Reply;

/**
 * The upstream could not be reached, timed out, dropped the connection or broke the protocol. Carries the
 * reply the client should get, always a 4xx so that it keeps the message and retries; the message says
 * what happened, for the log (it may name internal hosts, so it is not sent to the client).
 */
public final class UpstreamException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Reply reply;

    public UpstreamException(Reply reply, String message, Throwable cause) {
        super(message, cause);
        this.reply = reply;
    }

    public UpstreamException(Reply reply, String message) {
        this(reply, message, null);
    }

    /** The reply to give the client. */
    public Reply reply() {
        return reply;
    }
}
