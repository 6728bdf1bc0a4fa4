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

    private final transient Greetings greetings;

    public UpstreamException(Reply reply, String message, Throwable cause) {
        this(reply, message, cause, null);
    }

    /**
     * @param greetings what the upstream said before it was given up, when it failed while being set up
     */
    public UpstreamException(Reply reply, String message, Throwable cause, Greetings greetings) {
        super(message, cause);
        this.reply = reply;
        this.greetings = greetings;
    }

    public UpstreamException(Reply reply, String message) {
        this(reply, message, null);
    }

    /** The reply to give the client. */
    public Reply reply() {
        return reply;
    }

    /**
     * What the last upstream tried said while {@link UpstreamClient#connect} set it up (its greeting and hello, as
     * they came), or {@code null} when none greeted or the failure came later. The cause is why it was given up.
     */
    public Greetings greetings() {
        return greetings;
    }
}
