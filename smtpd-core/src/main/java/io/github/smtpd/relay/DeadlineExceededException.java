package io.github.smtpd.relay;

import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A connection ran past its overall deadline ({@link UpstreamOptions#deadline()}), however steadily the upstream
 * was sending. A {@link SocketTimeoutException}, so that whoever handles timeouts handles this one too; it is the
 * cause of the {@link UpstreamException} that {@link UpstreamClient} throws.
 */
public final class DeadlineExceededException extends SocketTimeoutException {

    private static final long serialVersionUID = 1L;

    private final transient Duration deadline;

    DeadlineExceededException(Duration deadline, Throwable cause) {
        super("the deadline of " + deadline.toMillis() + " ms for the whole conversation passed");
        this.deadline = deadline;
        initCause(cause);
    }

    /** The deadline that passed, counted from the connect. */
    public Duration deadline() {
        return deadline;
    }
}
