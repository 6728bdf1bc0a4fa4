package io.github.smtpd;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * A handler whose MAIL, RCPT and end-of-data hooks answer later instead of blocking, aiosmtpd's {@code async def
 * handle_MAIL}/{@code handle_RCPT}/{@code handle_DATA}: the relay modes are such handlers, waiting for their
 * upstream without a thread. The server calls these forms, from the session's event loop; while one's stage is
 * not complete its session reads no more of its client's input, holds no thread, and goes on on its loop with the
 * reply once it is. A stage that fails, or a hook that throws, answers {@code 451}.
 * <p>
 * A hook must not block: what must wait for I/O, a lock or a slow library goes to {@code work}, which runs this
 * session's tasks one at a time, in the order given, on the server's executor (never on the loop), so that a
 * reset reaches a connection before the next transaction does. {@link #onReset} and {@link #onClose} are called
 * as they are, on the loop, and must not block either.
 * <p>
 * An {@link SmtpHandler} whose hooks block needs none of this: the server runs its hooks on the executor itself.
 * The blocking forms are for callers that may block (a command of the application's that wraps MAIL or RCPT, which
 * runs on the executor); by default they wait for the stage with tasks run at once on the calling thread.
 */
public interface AsyncSmtpHandler extends SmtpHandler {

    /**
     * {@link SmtpHandler#onMail}, answered later.
     *
     * @param work runs this session's blocking work, one task at a time and in order, off the loop
     * @return the reply, {@code null} meaning {@code 250 OK}
     */
    default CompletionStage<Reply> onMailAsync(SmtpSession session, String address, List<String> options,
            Executor work) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * {@link SmtpHandler#onRcpt}, answered later.
     *
     * @param work runs this session's blocking work, one task at a time and in order, off the loop
     * @return the reply, {@code null} meaning {@code 250 OK}
     */
    default CompletionStage<Reply> onRcptAsync(SmtpSession session, String address, List<String> options,
            Executor work) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * {@link SmtpHandler#onData}, answered later. The message's content is readable until the stage completes.
     *
     * @param work runs this session's blocking work, one task at a time and in order, off the loop
     * @return the reply, {@code null} meaning {@code 250 OK}
     */
    CompletionStage<Reply> onDataAsync(Message message, Executor work);

    @Override
    default Reply onMail(SmtpSession session, String address, List<String> options) throws Exception {
        return onMailAsync(session, address, options, Runnable::run).toCompletableFuture().join();
    }

    @Override
    default Reply onRcpt(SmtpSession session, String address, List<String> options) throws Exception {
        return onRcptAsync(session, address, options, Runnable::run).toCompletableFuture().join();
    }

    @Override
    default Reply onData(Message message) throws Exception {
        return onDataAsync(message, Runnable::run).toCompletableFuture().join();
    }
}
