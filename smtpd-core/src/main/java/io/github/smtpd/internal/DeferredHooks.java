package io.github.smtpd.internal;

import java.util.List;
import java.util.concurrent.CompletionStage;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;

/**
 * A handler whose hooks answer later instead of blocking: the relay modes, which wait for their upstream, and an
 * application's handler with blocking hooks, whose hooks run on the executor ({@link BlockingHooks}). Its sessions
 * run on the event loop like any other; while a MAIL, a RCPT or the data waits for its answer the session reads no
 * more of its client's input, and goes on when the answer comes. The engine calls these forms instead of
 * {@link SmtpHandler#onMail}, {@link SmtpHandler#onRcpt} and {@link SmtpHandler#onData}; it calls
 * {@link SmtpHandler#onReset} and {@link SmtpHandler#onClose} as they are, on the loop, and such a handler promises
 * that they never block (what must wait goes to its own future steps).
 *
 * <p>{@code work} runs the session's blocking work one task at a time, in the order given (see
 * {@link SerialWork}). Not a public API: the engine and the built-in modes only.
 */
public interface DeferredHooks {

    /** {@link SmtpHandler#onMail}, answered later; {@code null} means 250 OK, a failure 451. */
    CompletionStage<Reply> onMailLater(SmtpSession session, String address, List<String> options, SerialWork work);

    /** {@link SmtpHandler#onRcpt}, answered later; {@code null} means 250 OK, a failure 451. */
    CompletionStage<Reply> onRcptLater(SmtpSession session, String address, List<String> options, SerialWork work);

    /** {@link SmtpHandler#onData}, answered later; {@code null} means 250 OK, a failure 451. */
    CompletionStage<Reply> onDataLater(Message message, SerialWork work);

    /** A hook's answer as a stage: one that threw instead of answering fails the stage, as a late failure would. */
    static CompletionStage<Reply> started(java.util.function.Supplier<CompletionStage<Reply>> hook) {
        try {
            return hook.get();
        }
        catch (RuntimeException ex) {
            return java.util.concurrent.CompletableFuture.failedFuture(ex);
        }
    }
}
