package io.github.smtpd.capture;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import io.github.smtpd.AsyncSmtpHandler;
import io.github.smtpd.DataDecorator;
import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a copy of every message the wrapped handler accepts, before the client hears the {@code 250}: a test that
 * sent a message finds it in the store at once. A message the handler refused or failed on is not kept. A copy that
 * cannot be kept (a full disk) is logged and the message is still accepted: where the mode sends mail decides
 * delivery, the catcher only watches it.
 *
 * <p>The wrapped handler keeps its shape ({@link DataDecorator}): a handler with {@code onData} alone still lets
 * sessions wait on the event loop, and a relay mode's hooks that answer later stay that way (its copy is then
 * taken on the session's work executor, never on the loop).
 */
public final class CapturingHandler implements DataDecorator {

    private static final Logger logger = LoggerFactory.getLogger(CapturingHandler.class);

    private final MessageStore store;

    private CapturingHandler(MessageStore store) {
        this.store = store;
    }

    /** A handler that captures into {@code store} what {@code delegate} accepts. */
    public static SmtpHandler wrap(SmtpHandler delegate, MessageStore store) {
        return DataDecorator.decorate(delegate, new CapturingHandler(store), "Captured");
    }

    @Override
    public Reply onData(Message message, SmtpHandler next) throws Exception {
        Reply reply = next.onData(message);
        captureIfAccepted(message, reply);
        return reply;
    }

    @Override
    public CompletionStage<Reply> onDataAsync(Message message, Executor work, AsyncSmtpHandler next) {
        // The copy is written off the event loop; the client's reply waits for it, as in the blocking form.
        return next.onDataAsync(message, work).thenApplyAsync((reply) -> {
            captureIfAccepted(message, reply);
            return reply;
        }, work);
    }

    private void captureIfAccepted(Message message, Reply reply) {
        if (reply != null && !reply.isPositive()) {
            return;
        }
        try {
            store.add(message);
        }
        catch (Exception | LinkageError ex) {
            logger.warn("Message {} was accepted but could not be captured: {}", message.id(), ex.toString());
        }
    }
}
