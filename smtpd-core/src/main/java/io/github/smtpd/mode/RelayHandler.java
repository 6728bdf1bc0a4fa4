package io.github.smtpd.mode;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.internal.DeferredHooks;

/**
 * What the relaying modes share once a transaction is open: DATA goes to the open upstream, a reset ends the
 * transaction (keeping the connection for the next one), and the session's end closes that connection.
 *
 * <p>The engine calls the deferred forms ({@link DeferredHooks}), so relay sessions wait for their clients on the
 * event loop: the upstream's answers come on the session's serial executor, while MAIL, which only notes the
 * sender, answers at once. The blocking {@link SmtpHandler} forms serve an application that calls a mode from
 * its own handler.
 */
abstract class RelayHandler implements SmtpHandler, DeferredHooks {

    @Override
    public abstract Reply onMail(SmtpSession session, String address, List<String> parameters);

    @Override
    public abstract Reply onRcpt(SmtpSession session, String address, List<String> parameters);

    @Override
    public final Reply onData(Message message) {
        return RelayTransaction.deliver(message);
    }

    @Override
    public final void onReset(SmtpSession session) {
        RelayTransaction.end(session);
    }

    @Override
    public final void onClose(SmtpSession session) {
        RelayTransaction.closeIdle(session);
    }

    @Override
    public final CompletionStage<Reply> onRcptLater(SmtpSession session, String address, List<String> options,
            Executor work) {
        return CompletableFuture.supplyAsync(() -> onRcpt(session, address, options), work);
    }

    @Override
    public final CompletionStage<Reply> onDataLater(Message message, Executor work) {
        return CompletableFuture.supplyAsync(() -> onData(message), work);
    }

    @Override
    public final void onResetLater(SmtpSession session, Executor work) {
        // Taken off the session now: the next MAIL, which may come before the work runs, starts a new one.
        RelayTransaction transaction = RelayTransaction.detach(session);
        if (transaction != null) {
            work.execute(transaction::park);
        }
    }

    @Override
    public final void onCloseLater(SmtpSession session, Executor work) {
        work.execute(() -> RelayTransaction.closeIdle(session));
    }
}
