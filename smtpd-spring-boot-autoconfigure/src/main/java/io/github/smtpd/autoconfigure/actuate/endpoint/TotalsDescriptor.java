package io.github.smtpd.autoconfigure.actuate.endpoint;

/**
 * What the server has done since the application started.
 *
 * @param sessions sessions greeted
 * @param connectionsRejected connections turned away before a session started (paused, too many sessions, ...)
 * @param messages messages that reached the end of DATA, by outcome
 * @param messageBytes bytes of those messages' content
 * @param bytesIn every byte read from clients, commands included, by ended and running sessions
 */
public record TotalsDescriptor(long sessions, long connectionsRejected, Messages messages, long messageBytes,
        long bytesIn) {

    /**
     * Messages by outcome, following the reply class.
     *
     * @param accepted answered 2xx
     * @param rejected answered 5xx: the client gives up
     * @param failed answered 4xx: the client keeps the message and retries
     */
    public record Messages(long accepted, long rejected, long failed) {
    }
}
