package io.github.smtpd.mode;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;

/**
 * What the relaying modes share once a transaction is open: DATA goes to the open upstream, a reset ends the
 * transaction (keeping the connection for the next one), and the session's end closes that connection.
 */
abstract class RelayHandler implements SmtpHandler {

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
}
