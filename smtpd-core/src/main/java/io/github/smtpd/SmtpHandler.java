package io.github.smtpd;

import java.util.List;

/**
 * Hooks on a transaction, aiosmtpd's {@code handle_MAIL}/{@code handle_RCPT}/{@code handle_DATA}: the
 * built-in modes use them to decide each step live (the proxy asks the upstream before answering a RCPT).
 * Most applications need only a {@link MessageProcessor}, which is the {@link #onData} step alone.
 *
 * <p>The session has already checked syntax and limits before a hook is called.
 *
 * <p>Hooks may block. When a handler overrides a hook other than {@link #onData} ({@code onMail}, {@code onRcpt},
 * {@code onReset}, {@code onClose}), its hooks run on the server's executor while the session waits on its event
 * loop: a hook holds a thread only while it runs, never while the client is silent. One session's hooks run one at
 * a time and in the order the session reached them ({@code onReset} before the next transaction's {@code onMail},
 * {@code onClose} last), possibly on different threads; the client hears a hook's reply once it returned.
 */
public interface SmtpHandler {

    /**
     * A syntactically valid MAIL FROM.
     *
     * @return {@code null} to accept with {@code 250 OK}, or the reply to send; a reply that is not positive
     *         refuses the sender
     */
    default Reply onMail(SmtpSession session, String address, List<String> options) throws Exception {
        return null;
    }

    /**
     * A syntactically valid RCPT TO.
     *
     * @return {@code null} to accept with {@code 250 OK}, or the reply to send; a reply that is not positive
     *         refuses the recipient
     */
    default Reply onRcpt(SmtpSession session, String address, List<String> options) throws Exception {
        return null;
    }

    /**
     * The end of DATA: the whole message has been received.
     *
     * @return {@code null} for {@code 250 OK}, or the reply to send
     * @throws Exception to answer {@code 451}
     */
    Reply onData(Message message) throws Exception;

    /**
     * The transaction ended without DATA completing (RSET, a new EHLO, QUIT, a dropped connection, a refused
     * message) or after it did; release anything held for it.
     */
    default void onReset(SmtpSession session) {
    }

    /** The session ended; release anything held for it beyond a transaction (e.g. a reusable connection). */
    default void onClose(SmtpSession session) {
    }

    /** A handler that calls the processor at the end of DATA and accepts every sender and recipient. */
    static SmtpHandler of(MessageProcessor processor) {
        return processor::process;
    }
}
