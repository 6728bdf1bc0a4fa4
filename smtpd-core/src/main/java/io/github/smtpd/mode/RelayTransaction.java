package io.github.smtpd.mode;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpSession;
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

    static final Reply LOCAL_ERROR = Reply.of(451, "4.3.0", "Requested action aborted: local error in processing");

    private final SmtpSession session;

    private final String mailFrom;

    private final List<String> mailOptions;

    private final boolean peerHeader;

    private final List<String> accepted = new ArrayList<>();

    private UpstreamClient upstream;

    private Object destination;

    RelayTransaction(SmtpSession session, String mailFrom, List<String> mailOptions, boolean peerHeader) {
        this.session = session;
        this.mailFrom = mailFrom;
        this.mailOptions = List.copyOf(mailOptions);
        this.peerHeader = peerHeader;
    }

    /**
     * Connects to the upstream and sends MAIL.
     *
     * @param destination what this upstream stands for, for {@link #destination()}
     * @return the upstream's reply to MAIL, a refusal of ours, or 451 when it could not be reached; unless it
     *         is positive the connection is closed again
     */
    Reply open(UpstreamOptions options, Object destination) {
        closeUpstream();
        try {
            upstream = UpstreamClient.connect(options, session.fqdn());
        }
        catch (UpstreamException ex) {
            return ex.reply();
        }
        UpstreamParameters.Mapped mapped = UpstreamParameters.forMail(mailFrom, mailOptions, upstream);
        if (mapped.refusal() != null) {
            closeUpstream();
            return mapped.refusal();
        }
        try {
            Reply reply = upstream.mail(mailFrom, mapped.parameters());
            if (reply.isPositive()) {
                this.destination = destination;
            }
            else {
                closeUpstream();
            }
            return reply;
        }
        catch (UpstreamException ex) {
            closeUpstream();
            return ex.reply();
        }
    }

    /** Forwards a RCPT; the client gets the upstream's verdict. */
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
                accepted.add(address);
            }
            return reply;
        }
        catch (UpstreamException ex) {
            return ex.reply();
        }
    }

    /** Sends the message upstream with the trace headers in front; the client gets the upstream's final reply. */
    Reply data(Message message) {
        if (upstream == null) {
            return LOCAL_ERROR;
        }
        List<Reply> replies;
        try {
            Reply refusal = ContentCheck.refusal(message, upstream);
            if (refusal != null) {
                return refusal;
            }
            try (InputStream content = message.openContent()) {
                replies = upstream.data(content, TraceHeaders.prefix(message, peerHeader));
            }
        }
        catch (UpstreamException ex) {
            return ex.reply();
        }
        catch (IOException ex) {
            logger.warn("Message {}: could not read its content to relay it", message.id(), ex);
            return LOCAL_ERROR;
        }
        Reply reply = RecipientReplies.combine(accepted, replies);
        logger.info("Message {} from <{}> relayed to {}: {}", message.id(), mailFrom, upstream.address(), reply);
        return reply;
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
