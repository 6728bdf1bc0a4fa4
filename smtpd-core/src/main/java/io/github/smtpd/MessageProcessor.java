package io.github.smtpd;

/**
 * The hook that receives every message, as smtpd's {@code SMTPServer.process_message} did.
 *
 * <pre>{@code
 * MessageProcessor archive = message -> {
 *     store.save(message.content());
 *     return null; // 250 OK
 * };
 * }</pre>
 *
 * The message's content is only readable during the call: content that spilled to a temporary file is
 * deleted when the call returns, and memory goes to the next message.
 *
 * <p>It runs on the server's executor, so it may block (a database, an HTTP call). A processor that never blocks
 * may run on the event loop instead, which saves two thread switches per message: see
 * {@link SmtpServer.Builder#nonBlockingProcessors(boolean)}.
 */
@FunctionalInterface
public interface MessageProcessor {

    /**
     * Processes one message.
     *
     * @return {@code null} to answer {@code 250 OK}, or the reply to send as given
     *         (e.g. {@code Reply.of(550, "No such user here")})
     * @throws Exception to answer {@code 451} so the client keeps the message and retries
     */
    Reply process(Message message) throws Exception;
}
