package io.github.smtpd.internal;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

import io.github.smtpd.Reply;

/**
 * A session on its event loop waiting for an asynchronous hook's answer ({@link io.github.smtpd.AsyncSmtpHandler}),
 * or the authenticator's: it holds no thread
 * meanwhile, keeps what its client sends for later, and goes on on its loop once the answer came.
 */
final class Suspension {

    private final Session session;

    /** The command whose deferred hook the session waits for, to count once it is answered. */
    private String verb;

    Suspension(Session session) {
        this.session = session;
    }

    /** Whether the session waits for a deferred hook's answer (see {@link #await}). */
    boolean isSuspended() {
        return session.owner == Session.Owner.ANSWER;
    }

    /** The command that waits: counted once its answer came. */
    void waitingVerb(String verb) {
        this.verb = verb;
    }

    /**
     * Goes on with an asynchronous hook's answer ({@link io.github.smtpd.AsyncSmtpHandler}): at once when it is
     * there or the caller is not the loop (a command of the application's on the executor, which waits for it);
     * otherwise, on the event loop, the session stops reading its client's input (the time does not count against
     * the client's timeout) and {@code then} runs on the loop's thread once the answer came, before the session
     * goes on with what the client sent meanwhile.
     *
     * @param then given the answer, or the failure that stands for it
     */
    void await(CompletionStage<Reply> answer, BiConsumer<Reply, Throwable> then) {
        CompletableFuture<Reply> future = asFuture(answer);
        EventLoop loop = session.loop;
        if (future.isDone() || !loop.inLoop()) {
            Reply reply;
            try {
                reply = future.join();
            }
            catch (CompletionException | java.util.concurrent.CancellationException ex) {
                then.accept(null, causeOf(ex));
                return;
            }
            then.accept(reply, null);
            return;
        }
        // Suspended before anything can fail: the hook has started, and its answer must find the session waiting.
        session.owner = Session.Owner.ANSWER;
        future.whenComplete((reply, failure) -> loop.execute(() -> resumeWith(reply, failure, then)));
        try {
            // Reading goes on (see keepInput): turning it off and on would cost two epoll_ctl calls per
            // hook, and a client that waits for its reply sends nothing meanwhile.
            session.key.interestOps(session.output().channel().hasPending() ? SelectionKey.OP_WRITE
                    : SelectionKey.OP_READ);
        }
        catch (java.nio.channels.CancelledKeyException ex) {
            // Closed meanwhile (a client that stopped reading, a stop): the answer ends the session.
        }
    }

    /**
     * What a client sends while its command waits for a deferred hook is kept for later, up to a full buffer;
     * then the session stops reading until the hook has answered. The end of its input (a client that hung up or
     * half-closed, or a stop) waits too: the answer is sent first, then what was kept runs, then the session ends,
     * as it would had the hook answered at once.
     */
    void keepInput(SelectionKey readyKey) throws IOException {
        SmtpInput input = session.input();
        if (!input.hasRoom() || input.readFrom(session.readChannel()) < 0) {
            // The end of input stays readable: the loop sees it again once the session reads again.
            readyKey.interestOps(0);
        }
    }

    /**
     * A hook's answer as a stage: one that threw instead of answering, or gave no stage, fails the stage, as a
     * late failure would (451).
     */
    static CompletionStage<Reply> started(java.util.function.Supplier<CompletionStage<Reply>> hook) {
        CompletionStage<Reply> answer;
        try {
            answer = hook.get();
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
        return answer != null ? answer
                : CompletableFuture.failedFuture(new NullPointerException("The hook returned no CompletionStage"));
    }

    /** The stage as a future; a stage that cannot be one (its toCompletableFuture is optional) is followed. */
    private static CompletableFuture<Reply> asFuture(CompletionStage<Reply> answer) {
        try {
            return answer.toCompletableFuture();
        }
        catch (UnsupportedOperationException ex) {
            CompletableFuture<Reply> future = new CompletableFuture<>();
            answer.whenComplete((reply, failure) -> {
                if (failure != null) {
                    future.completeExceptionally(failure);
                }
                else {
                    future.complete(reply);
                }
            });
            return future;
        }
    }

    /** What failed a deferred hook: its own exception, not the future's wrapper around it. */
    private static Throwable causeOf(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private void resumeWith(Reply reply, Throwable failure, BiConsumer<Reply, Throwable> then) {
        session.owner = Session.Owner.LOOP;
        Throwable cause = causeOf(failure);
        session.step(() -> {
            // Also when the session ended meanwhile: the message's outcome is logged and its content released.
            then.accept(reply, cause);
            if (session.isFinished()) {
                return;
            }
            session.dispatcher().finished(verb);
            session.driver().resumeCommands();
        });
    }
}
