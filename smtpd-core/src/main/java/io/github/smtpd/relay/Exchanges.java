package io.github.smtpd.relay;

import java.io.EOFException;
import java.net.ProtocolException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.github.smtpd.Reply;

/**
 * What an exchange's replies mean to the session: the replies a command was due, or the {@link UpstreamException}
 * that its client hears instead. A reply that can not be right (a 3xx where a final reply was due) or one that
 * never came breaks the connection.
 */
final class Exchanges {

    /** What an exchange's replies mean, or the failure that the session's client hears instead. */
    interface Meaning<R> {
        R of(Exchanged exchanged) throws UpstreamException;
    }

    private final UpstreamConnection connection;

    private final UpstreamOptions options;

    Exchanges(UpstreamConnection connection, UpstreamOptions options) {
        this.connection = connection;
        this.options = options;
    }

    /** One exchange, taken to mean what {@code meaning} says; fails with an {@link UpstreamException}. */
    <R> CompletableFuture<R> send(Outgoing request, int expected, Duration replyTimeout, Meaning<R> meaning) {
        try {
            connection.usable();
        }
        catch (UpstreamException ex) {
            return failed(ex);
        }
        return connection.exchange(request, expected, replyTimeout).thenApply((exchanged) -> {
            try {
                return meaning.of(exchanged);
            }
            catch (UpstreamException ex) {
                throw new CompletionException(ex);
            }
        });
    }

    /** A command with one final reply (MAIL, RCPT, NOOP, RSET). */
    CompletableFuture<Reply> transact(String line) {
        return send(Outgoing.lines(line), 1, options.timeout(), (exchanged) -> completion(all(exchanged, 1).get(0)));
    }

    /** The {@code expected} replies, or the failure that cut the exchange short. */
    List<Reply> all(Exchanged exchanged, int expected) throws UpstreamException {
        if (exchanged.failure() instanceof Outgoing.Unreadable unreadable) {
            throw connection.unreadable(unreadable);
        }
        if (!exchanged.complete(expected)) {
            throw connection.broken(exchanged.failure() != null ? exchanged.failure()
                    : new EOFException("The upstream closed the connection"));
        }
        return exchanged.replies();
    }

    /**
     * A reply that completes a command: 2xx, 4xx or 5xx (a {@link Reply} is never below 200). A 3xx here (a 354
     * to RCPT or after the data, say) would count as accepted, since {@link Reply#isPositive()} is any code below
     * 400: the upstream is not speaking SMTP.
     */
    Reply completion(Reply reply) throws UpstreamException {
        if (reply.code() >= 300 && reply.code() < 400) {
            throw connection.broken(new ProtocolException("answered with " + reply + " where a final reply was due"));
        }
        return reply;
    }

    List<Reply> completions(List<Reply> replies) throws UpstreamException {
        for (Reply reply : replies) {
            completion(reply);
        }
        return replies;
    }

    /** Waits for an exchange, for the blocking forms; its failure is thrown as it came. */
    static <T> T await(CompletableFuture<T> pending) throws UpstreamException {
        try {
            return pending.join();
        }
        catch (CompletionException ex) {
            if (ex.getCause() instanceof UpstreamException upstream) {
                throw upstream;
            }
            throw ex;
        }
    }

    static <T> CompletableFuture<T> failed(UpstreamException ex) {
        return CompletableFuture.failedFuture(ex);
    }
}
