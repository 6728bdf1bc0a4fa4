package io.github.smtpd.mode;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.CompletionException;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.internal.EventLoop;
import io.github.smtpd.internal.Replies;
import io.github.smtpd.internal.SerialWork;
import io.github.smtpd.relay.UpstreamClient;
import io.github.smtpd.relay.UpstreamException;
import io.github.smtpd.relay.UpstreamOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client transaction mirrored live on one upstream connection, Postfix's before-queue proxy: the upstream
 * sees MAIL when it is opened, each RCPT as the client sends it, and the data once the client has sent it all;
 * the client gets the upstream's replies. Kept in the session's attributes between the hooks.
 *
 * <p>Each step answers later ({@link CompletableFuture}): for a session on an event loop the upstream connection
 * runs on that loop ({@link UpstreamClient#useLoop}), and the step's continuations with it; elsewhere every step
 * is done when it returns. Only connecting blocks, and it runs on the session's work ({@link SerialWork}).
 */
final class RelayTransaction {

    private static final Logger logger = LoggerFactory.getLogger(RelayTransaction.class);

    static final Reply LOCAL_ERROR = Replies.localError();

    private static final String KEY = RelayTransaction.class.getName();

    static final Reply CHANGED_MIND = Reply.of(451, "4.4.2",
            "Upstream connection lost, and a new one no longer accepts this transaction: try again later");

    /**
     * The upstream waits idle while the client sends the data, which our server receives in full before relaying
     * it. Past this idle time a NOOP checks that the upstream has not given up on us meanwhile.
     */
    static final Duration PROBE_AFTER = Duration.ofSeconds(1);

    private final SmtpSession session;

    private final String mailFrom;

    private final List<String> mailOptions;

    private final boolean peerHeader;

    private final List<Recipient> accepted = new ArrayList<>();

    private UpstreamClient upstream;

    private UpstreamOptions upstreamOptions;

    private Object destination;

    private record Recipient(String address, List<String> parameters) {
    }

    RelayTransaction(SmtpSession session, String mailFrom, List<String> mailOptions, boolean peerHeader) {
        this.session = session;
        this.mailFrom = mailFrom;
        this.mailOptions = List.copyOf(mailOptions);
        this.peerHeader = peerHeader;
    }

    // ---- The session's current transaction, kept in its attributes between the hooks of either mode ----

    /** Makes this the session's transaction, for the RCPT and DATA hooks that follow. */
    void attach() {
        session.attributes().put(KEY, this);
    }

    /** The session's transaction, or {@code null}. */
    static RelayTransaction of(SmtpSession session) {
        return (RelayTransaction) session.attributes().get(KEY);
    }

    /** Relays the message of the session's transaction; a local error when there is none. */
    static CompletableFuture<Reply> deliver(Message message, Executor work) {
        RelayTransaction transaction = message.session() != null ? of(message.session()) : null;
        return transaction != null ? transaction.data(message, work) : done(LOCAL_ERROR);
    }

    /**
     * Ends the session's transaction, if any. Its upstream connection is kept for the session's next transaction
     * (reset first when the transaction did not finish): a client that sends many messages on one connection
     * then costs the upstream one connection, not one per message.
     */
    static void end(SmtpSession session) {
        RelayTransaction transaction = detach(session);
        if (transaction != null) {
            transaction.park();
        }
    }

    /** Takes the session's transaction off it, for {@link #park} to end; {@code null} when there is none. */
    static RelayTransaction detach(SmtpSession session) {
        return (RelayTransaction) session.attributes().remove(KEY);
    }

    /** Closes the upstream connection kept for the session, if any: the session has ended. */
    static void closeIdle(SmtpSession session) {
        closeWhenKept(takeIdle(session));
    }

    /** Closes the connection {@code kept} holds, if any, once it is ready. */
    private static void closeWhenKept(CompletableFuture<Parked> kept) {
        kept.thenAccept((parked) -> {
            if (parked != null) {
                parked.client().close();
            }
        });
    }

    /** An upstream connection between two transactions of one session, and the options it was made with. */
    private record Parked(UpstreamClient client, UpstreamOptions options) {
    }

    /** The session's kept connection: a {@code CompletableFuture<Parked>}, done once its reset is. */
    private static final String IDLE_KEY = RelayTransaction.class.getName() + ".idle";

    @SuppressWarnings("unchecked")
    private static CompletableFuture<Parked> takeIdle(SmtpSession session) {
        Object idle = session.attributes().remove(IDLE_KEY);
        return idle != null ? (CompletableFuture<Parked>) idle : done(null);
    }

    /** A kept connection idle longer than this is closed rather than reused: the upstream may have dropped it. */
    static final Duration REUSE_WITHIN = Duration.ofSeconds(30);

    /** Whether the message went through, leaving the upstream connection ready for a new MAIL. */
    private boolean completed;

    /** The step under way, if any: the end of the transaction waits for it. */
    private CompletableFuture<Reply> pending;

    private CompletableFuture<Reply> track(CompletableFuture<Reply> step) {
        pending = step;
        return step;
    }

    /**
     * Ends this transaction once its step under way is done, keeping its upstream connection for the session's
     * next one when it can (after RSET when the message did not go through). Does not wait: the session's next
     * transaction takes the connection when it is ready.
     */
    void park() {
        CompletableFuture<Parked> before = takeIdle(session);
        CompletableFuture<?> step = pending != null ? pending : done(null);
        CompletableFuture<Parked> kept = step.handle((reply, failure) -> null).thenCompose((ignored) -> {
            if (upstream == null) {
                // Nothing was opened: the connection kept before stays kept.
                return before;
            }
            closeWhenKept(before);
            return keep();
        });
        session.attributes().put(IDLE_KEY, kept);
    }

    private CompletableFuture<Parked> keep() {
        UpstreamClient client = upstream;
        Parked parked = new Parked(client, upstreamOptions);
        upstream = null;
        destination = null;
        accepted.clear();
        if (client.isBroken()) {
            client.close();
            return done(null);
        }
        if (completed) {
            return done(parked);
        }
        return client.rsetAsync().handle((reply, failure) -> {
            if (failure == null && reply.isPositive()) {
                return parked;
            }
            client.close();
            return null;
        });
    }

    /** The session's kept connection when it was made with these options and is fresh enough, else null. */
    private CompletableFuture<UpstreamClient> reuse(UpstreamOptions options) {
        return takeIdle(session).thenApply((parked) -> {
            if (parked == null) {
                return null;
            }
            if (parked.options() == options && !parked.client().isBroken()
                    && parked.client().idleTime().compareTo(REUSE_WITHIN) < 0) {
                return parked.client();
            }
            parked.client().close();
            return null;
        });
    }

    /**
     * Opens the upstream transaction at its first recipient: connects (or takes the session's kept connection)
     * and sends MAIL with this RCPT, pipelined when the upstream allows. MAIL waits for the first recipient, as
     * Postfix's {@code smtpd_delay_reject} has its MAIL checks wait: a refusal of the sender reaches the client
     * as the reply to RCPT, and a client that never names a recipient costs the upstream nothing.
     *
     * @param destination what this upstream stands for, for {@link #destination()}
     * @return the reply for the client's RCPT: the upstream's to it, its refusal of MAIL, a refusal of ours, or
     *         451 when the upstream could not be reached; unless MAIL was accepted the connection is closed
     *         again, and the same reply answers every later recipient for this destination
     */
    CompletableFuture<Reply> open(Executor work, UpstreamOptions options, Object destination, String address,
            List<String> parameters) {
        if (failedOpen != null && failedOpen.destination().equals(destination)) {
            return done(failedOpen.reply());
        }
        return track(openOnce(work, options, destination, address, parameters, true).thenApply((reply) -> {
            if (upstream == null) {
                failedOpen = new FailedOpen(destination, reply);
            }
            return reply;
        }));
    }

    /** A destination that could not be opened in this transaction, and why: asking again would change nothing. */
    private record FailedOpen(Object destination, Reply reply) {
    }

    private FailedOpen failedOpen;

    /**
     * @param mayReuse whether the session's kept connection may serve: not when this transaction replays its
     *        envelope, since a reset meanwhile keeps the connection only once this transaction's step is done
     */
    private CompletableFuture<Reply> openOnce(Executor work, UpstreamOptions options, Object destination,
            String address, List<String> parameters, boolean mayReuse) {
        closeUpstream();
        return (mayReuse ? reuse(options) : done((UpstreamClient) null)).thenCompose((kept) -> {
            if (kept == null) {
                return connectAndOpen(work, options, destination, address, parameters);
            }
            upstream = kept;
            return mailAndRcpt(options, destination, address, parameters).thenCompose((reply) -> {
                if (upstream != null || !reply.isTransientFailure()) {
                    return done(reply);
                }
                // The kept connection failed (the upstream dropped it): try once more on a new one.
                return connectAndOpen(work, options, destination, address, parameters);
            });
        });
    }

    private CompletableFuture<Reply> connectAndOpen(Executor work, UpstreamOptions options, Object destination,
            String address, List<String> parameters) {
        return connect(work, options).handle((client, failure) -> {
            if (failure != null) {
                return done(replyFor(failure));
            }
            upstream = client;
            return mailAndRcpt(options, destination, address, parameters);
        }).thenCompose((reply) -> reply);
    }

    /**
     * A new upstream connection. Connecting blocks (TCP, greeting, EHLO, STARTTLS, AUTH), so a session on an
     * event loop connects on its serial executor, and the connection then moves onto the loop.
     */
    private CompletableFuture<UpstreamClient> connect(Executor work, UpstreamOptions options) {
        EventLoop loop = SerialWork.loopOf(work);
        String heloName = session.fqdn();
        if (loop == null) {
            try {
                return done(UpstreamClient.connect(options, heloName));
            }
            catch (UpstreamException ex) {
                return CompletableFuture.failedFuture(ex);
            }
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return UpstreamClient.connect(options, heloName);
            }
            catch (UpstreamException ex) {
                throw new CompletionException(ex);
            }
        }, work).thenApplyAsync((client) -> {
            client.useLoop(loop, work);
            return client;
        }, loop::execute);
    }

    private CompletableFuture<Reply> mailAndRcpt(UpstreamOptions options, Object destination, String address,
            List<String> parameters) {
        UpstreamParameters.Mapped mail = UpstreamParameters.forMail(mailFrom, mailOptions, upstream,
                session.authenticatedUser() != null, UpstreamParameters.addedBytes(session, address, peerHeader));
        if (mail.refusal() != null) {
            closeUpstream();
            return done(mail.refusal());
        }
        UpstreamParameters.Mapped rcpt = UpstreamParameters.forRcpt(address, parameters, upstream);
        CompletableFuture<List<Reply>> replies = rcpt.refusal() != null
                ? upstream.mailAsync(mailFrom, mail.parameters()).thenApply((reply) -> List.of(reply, rcpt.refusal()))
                : upstream.mailAndRcptAsync(mailFrom, mail.parameters(), address, rcpt.parameters());
        return replies.handle((got, failure) -> {
            if (failure != null) {
                closeUpstream();
                return replyFor(failure);
            }
            if (!got.get(0).isPositive()) {
                closeUpstream();
                return asRcptReply(got.get(0));
            }
            this.destination = destination;
            this.upstreamOptions = options;
            Reply reply = got.get(1);
            if (reply.isPositive()) {
                accepted.add(new Recipient(address, parameters));
            }
            return reply;
        });
    }

    /**
     * The upstream's refusal of MAIL, as the answer to the client's RCPT. A 552 there (too big for the upstream)
     * becomes 554: RFC 5321 4.5.3.1.10 has clients take a 552 to RCPT for "too many recipients", and retry.
     */
    static Reply asRcptReply(Reply mailRefusal) {
        if (mailRefusal.code() != 552) {
            return mailRefusal;
        }
        return Reply.multiline(554, mailRefusal.lines()).withEnhancedCode(mailRefusal.enhancedCode());
    }

    /** Forwards a RCPT of an open transaction; the client gets the upstream's verdict. */
    CompletableFuture<Reply> rcpt(String address, List<String> options) {
        return track(forward(address, options));
    }

    private CompletableFuture<Reply> forward(String address, List<String> options) {
        if (upstream == null) {
            return done(LOCAL_ERROR);
        }
        UpstreamParameters.Mapped mapped = UpstreamParameters.forRcpt(address, options, upstream);
        if (mapped.refusal() != null) {
            return done(mapped.refusal());
        }
        return upstream.rcptAsync(address, mapped.parameters()).handle((reply, failure) -> {
            if (failure != null) {
                return replyFor(failure);
            }
            if (reply.isPositive()) {
                accepted.add(new Recipient(address, options));
            }
            return reply;
        });
    }

    /** Sends the message upstream, with X-Peer if asked for; the client gets the upstream's final reply. */
    CompletableFuture<Reply> data(Message message, Executor work) {
        if (upstream == null) {
            return done(LOCAL_ERROR);
        }
        return track(reconnectIfGone(work).thenCompose((lost) -> lost != null ? done(lost) : send(message)));
    }

    private CompletableFuture<Reply> send(Message message) {
        InputStream content;
        try {
            Reply refusal = ContentCheck.refusal(message, upstream);
            if (refusal != null) {
                return done(refusal);
            }
            // The content starts with the engine's Received: field (unless the server turned it off): the
            // only trace field this hop adds.
            content = withPeerHeader(message);
        }
        catch (IOException ex) {
            logger.warn("Message {}: could not read its content to relay it", message.id(), ex);
            return done(LOCAL_ERROR);
        }
        UpstreamClient client = upstream;
        CompletableFuture<List<Reply>> sent = message.mailOptions().contains("BODY=BINARYMIME")
                ? client.binaryAsync(content)
                : client.dataAsync(content);
        return sent.handle((replies, failure) -> {
            try {
                content.close();
            }
            catch (IOException ex) {
                // Read to the end or given up on: either way nothing more comes of it.
            }
            if (failure != null) {
                return replyFor(failure);
            }
            Reply reply = RecipientReplies.combine(accepted.stream().map(Recipient::address).toList(), replies);
            // A positive reply ends the upstream's transaction, so the connection is ready for the next MAIL.
            completed = reply.isPositive();
            // The session logs the outcome of every message at INFO; the upstream's address is detail.
            logger.debug("Message {} from <{}> relayed to {}: {}", message.id(), mailFrom, client.address(), reply);
            return reply;
        });
    }

    private InputStream withPeerHeader(Message message) throws IOException {
        InputStream content = message.openContent();
        return peerHeader && message.peer() != null
                ? PeerHeader.insert(new BufferedInputStream(content), message.peer().getAddress())
                : content;
    }

    /**
     * When the upstream has been idle long enough to have timed out, checks it with NOOP and, if it is gone,
     * opens a new connection and replays MAIL and the accepted RCPTs on it.
     *
     * @return {@code null} when the upstream is ready for the data, otherwise the reply for the client
     */
    private CompletableFuture<Reply> reconnectIfGone(Executor work) {
        if (upstream.idleTime().compareTo(PROBE_AFTER) < 0) {
            return done(null);
        }
        UpstreamClient probed = upstream;
        return probed.noopAsync().handle((reply, failure) -> failure == null && reply.code() == 250)
            .thenCompose((alive) -> {
                if (alive) {
                    return done(null);
                }
                logger.info("Upstream {} went away while the client sent the data; replaying the envelope on a new "
                        + "connection", probed.address());
                List<Recipient> recipients = List.copyOf(accepted);
                Object target = destination;
                closeUpstream();
                return replay(work, recipients, 0, target);
            });
    }

    private CompletableFuture<Reply> replay(Executor work, List<Recipient> recipients, int next, Object target) {
        if (next == recipients.size()) {
            return done(isOpen() ? null : CHANGED_MIND);
        }
        Recipient recipient = recipients.get(next);
        CompletableFuture<Reply> step = isOpen()
                ? forward(recipient.address(), recipient.parameters())
                : openOnce(work, upstreamOptions, target, recipient.address(), recipient.parameters(), false);
        return step.thenCompose((reply) -> {
            if (!reply.isPositive()) {
                // The client was told 250 for this recipient: only a retry can tell it the new verdict.
                closeUpstream();
                return done(reply.isTransientFailure() ? reply : CHANGED_MIND);
            }
            return replay(work, recipients, next + 1, target);
        });
    }

    /** The reply for the client when a step failed: the upstream's failure as a 4xx, or our own error. */
    private static Reply replyFor(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        if (cause instanceof UpstreamException upstream) {
            return upstream.reply();
        }
        logger.error("Relaying failed", cause);
        return LOCAL_ERROR;
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    boolean isOpen() {
        return upstream != null;
    }

    /** What the open upstream stands for, as given to {@link #open}; {@code null} when none is open. */
    Object destination() {
        return upstream != null ? destination : null;
    }

    /** The recipients the upstream accepted so far. */
    int acceptedCount() {
        return accepted.size();
    }

    /** Ends the transaction: says QUIT to the upstream (without waiting on an event loop) and closes it. */
    void close() {
        closeUpstream();
    }

    private void closeUpstream() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
            destination = null;
            accepted.clear();
        }
    }
}
