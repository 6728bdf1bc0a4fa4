package io.github.smtpd.mode;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.internal.Replies;
import io.github.smtpd.relay.UpstreamClient;
import io.github.smtpd.relay.UpstreamException;
import io.github.smtpd.relay.UpstreamOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client transaction mirrored live on one upstream connection, Postfix's before-queue proxy: the upstream
 * sees MAIL when it is opened, each RCPT as the client sends it, and the data once the client has sent it all;
 * the client gets the upstream's replies. Kept in the session's attributes between the hooks.
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
    static Reply deliver(Message message) {
        RelayTransaction transaction = message.session() != null ? of(message.session()) : null;
        return transaction != null ? transaction.data(message) : LOCAL_ERROR;
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
        Object idle = session.attributes().remove(IDLE_KEY);
        if (idle instanceof Parked parked) {
            parked.client().close();
        }
    }

    /** An upstream connection between two transactions of one session, and the options it was made with. */
    private record Parked(UpstreamClient client, UpstreamOptions options) {
    }

    private static final String IDLE_KEY = RelayTransaction.class.getName() + ".idle";

    /** A kept connection idle longer than this is closed rather than reused: the upstream may have dropped it. */
    static final Duration REUSE_WITHIN = Duration.ofSeconds(30);

    /** Whether the message went through, leaving the upstream connection ready for a new MAIL. */
    private boolean completed;

    /** Ends this transaction, keeping its upstream connection for the session's next one when it can. */
    void park() {
        if (upstream == null) {
            return;
        }
        if (upstream.isBroken()) {
            closeUpstream();
            return;
        }
        if (!completed) {
            try {
                if (!upstream.rset().isPositive()) {
                    closeUpstream();
                    return;
                }
            }
            catch (UpstreamException ex) {
                closeUpstream();
                return;
            }
        }
        closeIdle(session);
        session.attributes().put(IDLE_KEY, new Parked(upstream, upstreamOptions));
        upstream = null;
        destination = null;
        accepted.clear();
    }

    /** The session's kept connection when it was made with these options and is fresh enough, else null. */
    private UpstreamClient reuse(UpstreamOptions options) {
        Object idle = session.attributes().remove(IDLE_KEY);
        if (!(idle instanceof Parked parked)) {
            return null;
        }
        if (parked.options() == options && !parked.client().isBroken()
                && parked.client().idleTime().compareTo(REUSE_WITHIN) < 0) {
            return parked.client();
        }
        parked.client().close();
        return null;
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
    Reply open(UpstreamOptions options, Object destination, String address, List<String> parameters) {
        if (failedOpen != null && failedOpen.destination().equals(destination)) {
            return failedOpen.reply();
        }
        Reply reply = openOnce(options, destination, address, parameters);
        if (upstream == null) {
            failedOpen = new FailedOpen(destination, reply);
        }
        return reply;
    }

    /** A destination that could not be opened in this transaction, and why: asking again would change nothing. */
    private record FailedOpen(Object destination, Reply reply) {
    }

    private FailedOpen failedOpen;

    private Reply openOnce(UpstreamOptions options, Object destination, String address, List<String> parameters) {
        closeUpstream();
        upstream = reuse(options);
        if (upstream != null) {
            Reply reply = mailAndRcpt(options, destination, address, parameters);
            if (upstream != null || !reply.isTransientFailure()) {
                return reply;
            }
            // The kept connection failed (the upstream dropped it): try once more on a new one.
        }
        try {
            upstream = UpstreamClient.connect(options, session.fqdn());
        }
        catch (UpstreamException ex) {
            return ex.reply();
        }
        return mailAndRcpt(options, destination, address, parameters);
    }

    private Reply mailAndRcpt(UpstreamOptions options, Object destination, String address, List<String> parameters) {
        UpstreamParameters.Mapped mail = UpstreamParameters.forMail(mailFrom, mailOptions, upstream,
                session.authenticatedUser() != null);
        if (mail.refusal() != null) {
            closeUpstream();
            return mail.refusal();
        }
        UpstreamParameters.Mapped rcpt = UpstreamParameters.forRcpt(address, parameters, upstream);
        try {
            List<Reply> replies = rcpt.refusal() != null
                    ? List.of(upstream.mail(mailFrom, mail.parameters()), rcpt.refusal())
                    : upstream.mailAndRcpt(mailFrom, mail.parameters(), address, rcpt.parameters());
            if (!replies.get(0).isPositive()) {
                closeUpstream();
                return asRcptReply(replies.get(0));
            }
            this.destination = destination;
            this.upstreamOptions = options;
            Reply reply = replies.get(1);
            if (reply.isPositive()) {
                accepted.add(new Recipient(address, parameters));
            }
            return reply;
        }
        catch (UpstreamException ex) {
            closeUpstream();
            return ex.reply();
        }
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
    Reply rcpt(String address, List<String> options) {
        if (upstream == null) {
            return LOCAL_ERROR;
        }
        UpstreamParameters.Mapped mapped = UpstreamParameters.forRcpt(address, options, upstream);
        if (mapped.refusal() != null) {
            return mapped.refusal();
        }
        try {
            Reply reply = upstream.rcpt(address, mapped.parameters());
            if (reply.isPositive()) {
                accepted.add(new Recipient(address, options));
            }
            return reply;
        }
        catch (UpstreamException ex) {
            return ex.reply();
        }
    }

    /** Sends the message upstream, with X-Peer if asked for; the client gets the upstream's final reply. */
    Reply data(Message message) {
        if (upstream == null) {
            return LOCAL_ERROR;
        }
        Reply lost = reconnectIfGone();
        if (lost != null) {
            return lost;
        }
        List<Reply> replies;
        try {
            Reply refusal = ContentCheck.refusal(message, upstream);
            if (refusal != null) {
                return refusal;
            }
            // The content starts with the engine's Received: field (unless the server turned it off): the
            // only trace field this hop adds.
            try (InputStream content = withPeerHeader(message)) {
                replies = message.mailOptions().contains("BODY=BINARYMIME")
                        ? upstream.binary(content)
                        : upstream.data(content);
            }
        }
        catch (UpstreamException ex) {
            return ex.reply();
        }
        catch (IOException ex) {
            logger.warn("Message {}: could not read its content to relay it", message.id(), ex);
            return LOCAL_ERROR;
        }
        Reply reply = RecipientReplies.combine(accepted.stream().map(Recipient::address).toList(), replies);
        // A positive reply ends the upstream's transaction, so the connection is ready for the next MAIL.
        completed = reply.isPositive();
        // The session logs the outcome of every message at INFO; the upstream's address is detail.
        logger.debug("Message {} from <{}> relayed to {}: {}", message.id(), mailFrom, upstream.address(), reply);
        return reply;
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
    private Reply reconnectIfGone() {
        if (upstream.idleTime().compareTo(PROBE_AFTER) < 0) {
            return null;
        }
        try {
            if (upstream.noop().code() == 250) {
                return null;
            }
        }
        catch (UpstreamException ex) {
            // Gone: reconnect below.
        }
        logger.info("Upstream {} went away while the client sent the data; replaying the envelope on a new "
                + "connection", upstream.address());
        List<Recipient> recipients = List.copyOf(accepted);
        Object target = destination;
        closeUpstream();
        for (Recipient recipient : recipients) {
            Reply reply = isOpen()
                    ? rcpt(recipient.address(), recipient.parameters())
                    : openOnce(upstreamOptions, target, recipient.address(), recipient.parameters());
            if (!reply.isPositive()) {
                // The client was told 250 for this recipient: only a retry can tell it the new verdict.
                closeUpstream();
                return reply.isTransientFailure() ? reply : CHANGED_MIND;
            }
        }
        return isOpen() ? null : CHANGED_MIND;
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

    /** Ends the transaction: says QUIT to the upstream and closes the connection. */
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
