package io.github.smtpd.internal;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import io.github.smtpd.AsyncSmtpHandler;
import io.github.smtpd.DataDecorator;
import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;

/** How {@link DataDecorator#decorate} wraps a handler so that it keeps its shape. */
public final class AroundData {

    private AroundData() {
    }

    public static SmtpHandler wrap(SmtpHandler delegate, DataDecorator around, String name) {
        // Blocking hooks are run on the executor first, so the decorator sees the asynchronous forms, and a
        // message's observation or copy ends on the thread that ran its data, not on a pooled thread's next message.
        SmtpHandler adapted = BlockingHooks.adapt(delegate);
        return adapted instanceof AsyncSmtpHandler async ? new WithAsyncHooks(async, around, name)
                : new DataOnly(adapted, around, name);
    }

    /** A handler with {@code onData} alone, as the one it wraps. */
    private static class DataOnly implements SmtpHandler {

        final SmtpHandler delegate;

        final DataDecorator around;

        private final String name;

        DataOnly(SmtpHandler delegate, DataDecorator around, String name) {
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

    /** The same for a handler whose hooks answer later: the engine calls those forms. */
    private static final class WithAsyncHooks extends DataOnly implements AsyncSmtpHandler {

        private final AsyncSmtpHandler async;

        WithAsyncHooks(AsyncSmtpHandler delegate, DataDecorator around, String name) {
            super(delegate, around, name);
            this.async = delegate;
        }

        @Override
        public CompletionStage<Reply> onMailAsync(SmtpSession session, String address, List<String> options,
                Executor work) {
            return async.onMailAsync(session, address, options, work);
        }

        @Override
        public CompletionStage<Reply> onRcptAsync(SmtpSession session, String address, List<String> options,
                Executor work) {
            return async.onRcptAsync(session, address, options, work);
        }

        @Override
        public CompletionStage<Reply> onDataAsync(Message message, Executor work) {
            return around.onDataAsync(message, work, async);
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
        public Reply onData(Message message) throws Exception {
            return around.onData(message, delegate);
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
