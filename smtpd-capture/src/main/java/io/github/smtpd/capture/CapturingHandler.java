package io.github.smtpd.capture;

import java.util.List;
import java.util.concurrent.CompletionStage;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.internal.DeferredHooks;
import io.github.smtpd.internal.EventLoop;
import io.github.smtpd.internal.SerialWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a copy of every message the wrapped handler accepts, before the client hears the {@code 250}: a test that
 * sent a message finds it in the store at once. A message the handler refused or failed on is not kept. A copy that
 * cannot be kept (a full disk) is logged and the message is still accepted: where the mode sends mail decides
 * delivery, the catcher only watches it.
 *
 * <p>The wrapped handler keeps its shape: a handler with {@code onData} alone still lets sessions wait on the
 * event loop, and a relay mode's hooks that answer later stay that way (its copy is then taken on the session's
 * work executor, never on the loop).
 */
public class CapturingHandler implements SmtpHandler {

    private static final Logger logger = LoggerFactory.getLogger(CapturingHandler.class);

    final SmtpHandler delegate;

    final MessageStore store;

    private CapturingHandler(SmtpHandler delegate, MessageStore store) {
        this.delegate = delegate;
        this.store = store;
    }

    /** A handler that captures into {@code store} what {@code delegate} accepts. */
    public static SmtpHandler wrap(SmtpHandler delegate, MessageStore store) {
        if (delegate instanceof DeferredHooks) {
            return new WithDeferredHooks(delegate, store);
        }
        return EventLoop.canRun(delegate) ? new CapturingHandler(delegate, store) : new WithHooks(delegate, store);
    }

    @Override
    public Reply onData(Message message) throws Exception {
        Reply reply = delegate.onData(message);
        captureIfAccepted(message, reply);
        return reply;
    }

    final void captureIfAccepted(Message message, Reply reply) {
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

    @Override
    public String toString() {
        return "Captured[" + delegate + "]";
    }

    /** The same, passing the wrapped handler's blocking hooks through. */
    private static class WithHooks extends CapturingHandler {

        WithHooks(SmtpHandler delegate, MessageStore store) {
            super(delegate, store);
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

    /** The same for a handler whose hooks answer later (the relay modes). */
    private static final class WithDeferredHooks extends WithHooks implements DeferredHooks {

        private final DeferredHooks deferred;

        WithDeferredHooks(SmtpHandler delegate, MessageStore store) {
            super(delegate, store);
            this.deferred = (DeferredHooks) delegate;
        }

        @Override
        public CompletionStage<Reply> onRcptLater(SmtpSession session, String address, List<String> options,
                SerialWork work) {
            return deferred.onRcptLater(session, address, options, work);
        }

        @Override
        public CompletionStage<Reply> onDataLater(Message message, SerialWork work) {
            // The copy is written off the event loop; the client's reply waits for it, as in the blocking form.
            return deferred.onDataLater(message, work).thenApplyAsync((reply) -> {
                captureIfAccepted(message, reply);
                return reply;
            }, work);
        }
    }
}
