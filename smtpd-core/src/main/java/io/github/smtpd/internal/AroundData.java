package io.github.smtpd.internal;

import java.util.List;
import java.util.concurrent.CompletionStage;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;

/**
 * Wraps the end of data of a handler while keeping the hooks it has, for decorators (the observation, the mail
 * catcher): a handler with {@code onData} alone stays one, so its sessions still wait on the event loop
 * ({@link EventLoop#canRun}); one with blocking hooks keeps them; one whose hooks answer later
 * ({@link DeferredHooks}, the relay modes) keeps those forms, and its data goes through
 * {@link Around#onDataLater}. Not a public API: the built-in decorators only.
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
        if (delegate instanceof DeferredHooks) {
            return new WithDeferredHooks(delegate, around, name);
        }
        return EventLoop.canRun(delegate) ? new DataOnly(delegate, around, name) : new WithHooks(delegate, around, name);
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

    /** The same, passing the wrapped handler's blocking hooks through. */
    private static class WithHooks extends DataOnly {

        WithHooks(SmtpHandler delegate, Around around, String name) {
            super(delegate, around, name);
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

    /** The same for a handler whose hooks answer later: the engine calls these forms. */
    private static final class WithDeferredHooks extends WithHooks implements DeferredHooks {

        private final DeferredHooks deferred;

        WithDeferredHooks(SmtpHandler delegate, Around around, String name) {
            super(delegate, around, name);
            this.deferred = (DeferredHooks) delegate;
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
