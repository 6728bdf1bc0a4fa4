package io.github.smtpd.internal;

import java.util.List;
import java.util.concurrent.CompletionStage;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;

/**
 * Wraps the end of data of a handler while keeping the hooks it has, for decorators (the observation, the mail
 * catcher): a handler with {@code onData} alone stays one; one whose hooks answer later
 * ({@link DeferredHooks}: the relay modes, and a handler with blocking hooks, which {@link BlockingHooks} runs on the
 * executor) keeps those forms, and its data goes through {@link Around#onDataLater}. Not a public API: the
 * built-in decorators only.
 */
public final class AroundData {

    private AroundData() {
    }

    /** What a decorator does around the end of data, in the blocking and the deferred form. */
    public interface Around {

        /** Called instead of {@code next.onData(message)}; calls it. */
        Reply onData(Message message, SmtpHandler next) throws Exception;

        /** Called instead of {@code next.onDataLater(message, work)}; calls it. */
        CompletionStage<Reply> onDataLater(Message message, SerialWork work, DeferredHooks next);
    }

    /**
     * @param name what the wrapped handler is called in logs, e.g. {@code Observed[ProxyMode...]}
     */
    public static SmtpHandler wrap(SmtpHandler delegate, Around around, String name) {
        // Blocking hooks are run on the executor first, so the decorator sees the deferred forms, and a message's
        // observation or copy ends on the thread that ran its data, not on a pooled thread's next message.
        SmtpHandler adapted = BlockingHooks.adapt(delegate);
        return adapted instanceof DeferredHooks ? new WithDeferredHooks(adapted, around, name)
                : new DataOnly(adapted, around, name);
    }

    /** A handler with {@code onData} alone, as the one it wraps. */
    private static class DataOnly implements SmtpHandler {

        final SmtpHandler delegate;

        final Around around;

        private final String name;

        DataOnly(SmtpHandler delegate, Around around, String name) {
            this.delegate = delegate;
            this.around = around;
            this.name = name;
        }

        @Override
        public Reply onData(Message message) throws Exception {
            return around.onData(message, delegate);
        }

        @Override
        public String toString() {
            return name + "[" + delegate + "]";
        }
    }

    /** The same for a handler whose hooks answer later: the engine calls these forms. */
    private static final class WithDeferredHooks extends DataOnly implements DeferredHooks {

        private final DeferredHooks deferred;

        WithDeferredHooks(SmtpHandler delegate, Around around, String name) {
            super(delegate, around, name);
            this.deferred = (DeferredHooks) delegate;
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

        @Override
        public CompletionStage<Reply> onMailLater(SmtpSession session, String address, List<String> options,
                SerialWork work) {
            return deferred.onMailLater(session, address, options, work);
        }

        @Override
        public CompletionStage<Reply> onRcptLater(SmtpSession session, String address, List<String> options,
                SerialWork work) {
            return deferred.onRcptLater(session, address, options, work);
        }

        @Override
        public CompletionStage<Reply> onDataLater(Message message, SerialWork work) {
            return around.onDataLater(message, work, deferred);
        }
    }
}
