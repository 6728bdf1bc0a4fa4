package io.github.smtpd.autoconfigure.observation;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import io.github.smtpd.AsyncSmtpHandler;
import io.github.smtpd.DataDecorator;
import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.autoconfigure.MessageOutcome;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * Observes every {@code onData} of the handler it wraps: the observation starts when the message has been received
 * and stops when the handler answered, and it is the current one meanwhile, so a span made by a processor (an HTTP
 * call, a database write) is a child of the message's span, and log lines carry its trace id. The other hooks pass
 * straight through, and only when the wrapped handler has them ({@link DataDecorator}): a handler without hooks
 * before DATA lets sessions run on the server's event loop, and so does one whose hooks answer later
 * ({@link AsyncSmtpHandler}, the relay modes), whose message observation then stops when the answer comes.
 */
final class ObservedSmtpHandler implements DataDecorator {

    private static final DefaultSmtpMessageObservationConvention DEFAULT_CONVENTION =
            new DefaultSmtpMessageObservationConvention();

    private final ObservationRegistry registry;

    private final SmtpMessageObservationConvention convention;

    private final String mode;

    /** @param convention the application's convention, or {@code null} for the default one */
    static SmtpHandler wrap(SmtpHandler delegate, ObservationRegistry registry,
            SmtpMessageObservationConvention convention, String mode) {
        return DataDecorator.decorate(delegate, new ObservedSmtpHandler(registry, convention, mode), "Observed");
    }

    private ObservedSmtpHandler(ObservationRegistry registry, SmtpMessageObservationConvention convention,
            String mode) {
        this.registry = registry;
        this.convention = convention;
        this.mode = mode;
    }

    /**
     * The scope of the message this thread processed last, left open after {@link #onData} so that the server's
     * log line for the message, written right after it on the same thread, carries the trace id; the
     * {@link ScopeCloser} listener closes it once that line is written.
     */
    private static final ThreadLocal<Observation.Scope> OPEN_SCOPE = new ThreadLocal<>();

    @Override
    public Reply onData(Message message, SmtpHandler delegate) throws Exception {
        // Whatever the last message left open on this thread (a server that never reported it) ends here.
        closeOpenScope();
        Observed observed = observe(message);
        Observation.Scope scope = observed.observation().openScope();
        OPEN_SCOPE.set(scope);
        try {
            Reply reply = delegate.onData(message);
            observed.answered(reply);
            return reply;
        }
        catch (Throwable ex) {
            observed.failed(ex);
            throw ex;
        }
    }

    /** Closes the scope {@link #onData} left open on this thread, if any. */
    static void closeOpenScope() {
        Observation.Scope scope = OPEN_SCOPE.get();
        if (scope != null) {
            OPEN_SCOPE.remove();
            scope.close();
        }
    }

    /**
     * Closes the message's scope once the server has logged the message and told its listeners, on the thread that
     * processed it. Registered with the decorator: without it the scope would stay open until that thread's next
     * message.
     */
    static final class ScopeCloser implements io.github.smtpd.SmtpServerListener {

        @Override
        public void messageCompleted(io.github.smtpd.SmtpSession session, Message message, Reply reply,
                java.time.Duration processingTime) {
            closeOpenScope();
        }
    }

    /** Starts the observation of a message. */
    Observed observe(Message message) {
        SmtpMessageObservationContext context = new SmtpMessageObservationContext(message, mode);
        Observation observation = Observation
            .createNotStarted(convention, DEFAULT_CONVENTION, () -> context, registry)
            .start();
        return new Observed(message, context, observation);
    }

    /** One message's observation, stopped once the handler answered or failed. */
    record Observed(Message message, SmtpMessageObservationContext context, Observation observation) {

        void answered(Reply reply) {
            context.finished(reply, MessageOutcome.of(message, reply));
            observation.stop();
        }

        void failed(Throwable ex) {
            // The server answers 451 to any exception: the client keeps the message, as for any 4xx.
            context.finished(null, MessageOutcome.FAILED);
            observation.error(ex);
            observation.stop();
        }
    }

    /** The asynchronous form: the message's observation stops when the answer comes, current while the work starts. */
    @Override
    public CompletionStage<Reply> onDataAsync(Message message, Executor work, AsyncSmtpHandler deferred) {
        Observed observed = observe(message);
        CompletionStage<Reply> answer;
        try (Observation.Scope scope = observed.observation().openScope()) {
            answer = deferred.onDataAsync(message, work);
        }
        catch (RuntimeException | Error ex) {
            observed.failed(ex);
            throw ex;
        }
        return answer.whenComplete((reply, failure) -> {
            if (failure != null) {
                observed.failed(failure);
            }
            else {
                observed.answered(reply);
            }
        });
    }
}
