package io.github.smtpd.autoconfigure.observation;

import java.util.List;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.autoconfigure.MessageOutcome;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * Observes every {@code onData} of the handler it wraps: the observation starts when the message has been received
 * and stops when the handler answered, and it is the current one meanwhile, so a span made by a processor (an HTTP
 * call, a database write) is a child of the message's span, and log lines carry its trace id. The other hooks pass
 * straight through, and only when the wrapped handler has them: a handler without hooks before DATA lets sessions
 * run on the server's event loop (see {@link io.github.smtpd.internal.EventLoop#canRun}).
 */
class ObservedSmtpHandler implements SmtpHandler {

    private static final DefaultSmtpMessageObservationConvention DEFAULT_CONVENTION =
            new DefaultSmtpMessageObservationConvention();

    final SmtpHandler delegate;

    private final ObservationRegistry registry;

    private final SmtpMessageObservationConvention convention;

    private final String mode;

    /** @param convention the application's convention, or {@code null} for the default one */
    static ObservedSmtpHandler wrap(SmtpHandler delegate, ObservationRegistry registry,
            SmtpMessageObservationConvention convention, String mode) {
        return io.github.smtpd.internal.EventLoop.canRun(delegate)
                ? new ObservedSmtpHandler(delegate, registry, convention, mode)
                : new WithHooks(delegate, registry, convention, mode);
    }

    private ObservedSmtpHandler(SmtpHandler delegate, ObservationRegistry registry,
            SmtpMessageObservationConvention convention, String mode) {
        this.delegate = delegate;
        this.registry = registry;
        this.convention = convention;
        this.mode = mode;
    }

    @Override
    public Reply onData(Message message) throws Exception {
        SmtpMessageObservationContext context = new SmtpMessageObservationContext(message, mode);
        Observation observation = Observation
            .createNotStarted(convention, DEFAULT_CONVENTION, () -> context, registry)
            .start();
        try (Observation.Scope scope = observation.openScope()) {
            Reply reply = delegate.onData(message);
            context.finished(reply, MessageOutcome.of(message, reply));
            return reply;
        }
        catch (Throwable ex) {
            // The server answers 451 to any exception: the client keeps the message, as for any 4xx.
            context.finished(null, MessageOutcome.FAILED);
            observation.error(ex);
            throw ex;
        }
        finally {
            observation.stop();
        }
    }

    @Override
    public String toString() {
        return "Observed[" + delegate + "]";
    }

    /** The same, passing the wrapped handler's hooks through. */
    private static final class WithHooks extends ObservedSmtpHandler {

        WithHooks(SmtpHandler delegate, ObservationRegistry registry, SmtpMessageObservationConvention convention,
                String mode) {
            super(delegate, registry, convention, mode);
        }

        @Override
        public Reply onMail(SmtpSession session, String address, List<String> options) throws Exception {
            return delegate.onMail(session, address, options);
        }

        @Override
        public Reply onRcpt(SmtpSession session, String address, List<String> options) throws Exception {
            return delegate.onRcpt(session, address, options);
        }

        @Override
        public void onReset(SmtpSession session) {
            delegate.onReset(session);
        }

        @Override
        public void onClose(SmtpSession session) {
            delegate.onClose(session);
        }
    }
}
