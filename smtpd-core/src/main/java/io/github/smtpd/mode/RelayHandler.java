package io.github.smtpd.mode;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import io.github.smtpd.AsyncSmtpHandler;
import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.internal.SerialWork;

/**
 * What the relaying modes share once a transaction is open: DATA goes to the open upstream, a reset ends the
 * transaction (keeping the connection for the next one), and the session's end closes that connection.
 *
 * <p>The engine calls the asynchronous forms ({@link AsyncSmtpHandler}), so relay sessions wait for their clients on the
 * event loop, and the upstream connection runs on the same loop ({@link RelayTransaction}); MAIL, which only
 * notes the sender, answers at once. The blocking {@link SmtpHandler} forms serve an application that calls a
 * mode from its own handler, on a thread of its own.
 */
abstract class RelayHandler implements AsyncSmtpHandler {

    @Override
    public abstract Reply onMail(SmtpSession session, String address, List<String> parameters);

    /** The RCPT hook: the upstream's verdict on the recipient, or a refusal of ours. */
    abstract CompletableFuture<Reply> rcpt(SmtpSession session, String address, List<String> parameters,
            Executor work);

    @Override
    public final Reply onRcpt(SmtpSession session, String address, List<String> parameters) {
        return rcpt(session, address, parameters, SerialWork.inline()).join();
    }

    @Override
    public final Reply onData(Message message) {
        return RelayTransaction.deliver(message, SerialWork.inline()).join();
    }

    /** Never blocks: the session's next transaction takes the kept connection once it is reset. */
    @Override
    public final void onReset(SmtpSession session) {
        RelayTransaction.end(session);
    }

    /** Never blocks: the kept connection says QUIT once its reset, if any, is done. */
    @Override
    public final void onClose(SmtpSession session) {
        RelayTransaction.closeIdle(session);
    }

    /** Noting the sender never blocks: answered at once. */
    @Override
    public final CompletionStage<Reply> onMailAsync(SmtpSession session, String address, List<String> options,
            Executor work) {
        return CompletableFuture.completedFuture(onMail(session, address, options));
    }

    @Override
    public final CompletionStage<Reply> onRcptAsync(SmtpSession session, String address, List<String> options,
            Executor work) {
        return rcpt(session, address, options, work);
    }

    @Override
    public final CompletionStage<Reply> onDataAsync(Message message, Executor work) {
        return RelayTransaction.deliver(message, work);
    }
}
