package io.github.smtpd.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import io.github.smtpd.AsyncSmtpHandler;
import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;
import org.slf4j.MDC;

/**
 * An application's handler whose hooks may block ({@code onMail}, {@code onRcpt}, {@code onReset}, {@code onClose}
 * overridden), run on the session's {@link SerialWork} so that its sessions still wait for their clients on the
 * event loop: a hook takes a thread only while it runs, not for the whole connection. The hooks of one session run
 * one at a time and in order, as they would on a thread of its own (a reset reaches the handler before the next
 * transaction's MAIL). Off the loop (a command of the application's that wraps MAIL or RCPT, on the executor)
 * the work runs on the calling thread.
 */
public final class BlockingHooks implements AsyncSmtpHandler {

    private final SmtpHandler delegate;

    private BlockingHooks(SmtpHandler delegate) {
        this.delegate = delegate;
    }

    /** {@code handler} as the engine calls it: as it is when its hooks never block, else on the executor. */
    public static SmtpHandler adapt(SmtpHandler handler) {
        return handler instanceof AsyncSmtpHandler || !hasHooks(handler) ? handler : new BlockingHooks(handler);
    }

    /**
     * Whether {@code handler} overrides a hook other than {@code onData}: those would otherwise run on the loop's
     * thread, where one that blocks would hold up every session on it.
     */
    static boolean hasHooks(SmtpHandler handler) {
        try {
            Class<?> type = handler.getClass();
            return type.getMethod("onMail", SmtpSession.class, String.class, List.class)
                    .getDeclaringClass() != SmtpHandler.class
                    || type.getMethod("onRcpt", SmtpSession.class, String.class, List.class)
                            .getDeclaringClass() != SmtpHandler.class
                    || type.getMethod("onReset", SmtpSession.class).getDeclaringClass() != SmtpHandler.class
                    || type.getMethod("onClose", SmtpSession.class).getDeclaringClass() != SmtpHandler.class;
        }
        catch (NoSuchMethodException ex) {
            throw new IllegalStateException("SmtpHandler has lost a hook", ex);
        }
    }

    private interface Hook {
        Reply call() throws Exception;
    }

    /** Runs {@code hook} on {@code work}; its exception fails the answer, which the session turns into 451. */
    private static CompletionStage<Reply> later(SmtpSession session, Executor work, Hook hook) {
        CompletableFuture<Reply> answer = new CompletableFuture<>();
        inSession(session, work, () -> {
            try {
                answer.complete(hook.call());
            }
            catch (Exception | LinkageError ex) {
                answer.completeExceptionally(ex);
            }
        });
        return answer;
    }

    /** Runs {@code task} on {@code work} with the session's id in the log context, as the session's own lines. */
    private static void inSession(SmtpSession session, Executor work, Runnable task) {
        work.execute(() -> {
            MDC.put("smtpd.session", session.id());
            try {
                task.run();
            }
            finally {
                MDC.remove("smtpd.session");
            }
        });
    }

    @Override
    public CompletionStage<Reply> onMailAsync(SmtpSession session, String address, List<String> options,
            Executor work) {
        return later(session, work, () -> delegate.onMail(session, address, options));
    }

    @Override
    public CompletionStage<Reply> onRcptAsync(SmtpSession session, String address, List<String> options,
            Executor work) {
        return later(session, work, () -> delegate.onRcpt(session, address, options));
    }

    @Override
    public CompletionStage<Reply> onDataAsync(Message message, Executor work) {
        return later(message.session(), work, () -> delegate.onData(message));
    }

    @Override
    public void onReset(SmtpSession session) {
        // In order behind the hooks already given: the next MAIL's hook runs after the handler was reset.
        inSession(session, ((Session) session).work(), () -> delegate.onReset(session));
    }

    @Override
    public void onClose(SmtpSession session) {
        inSession(session, ((Session) session).work(), () -> delegate.onClose(session));
    }

    // The blocking forms, for a caller that may block: the handler as it is.

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
        return delegate.onData(message);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
