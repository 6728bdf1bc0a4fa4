package io.github.smtpd.mode;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.github.smtpd.Reply;
import io.github.smtpd.SmtpSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * smtpd's {@code MailmanProxy} for Mailman 3: mail for list addresses goes to Mailman over LMTP, mail for any
 * other address is relayed as {@link ProxyMode} relays it, and neither is answered 250 before its destination
 * accepted it.
 *
 * <p>The destination of a transaction is fixed by its first accepted recipient. A recipient for the other
 * destination gets {@code 452 4.5.3}, which tells the client to send it again in a transaction of its own
 * (RFC 5321 4.5.3.1.10), so one message is never half delivered to one side and half refused by the other.
 * LMTP's replies per recipient become one reply: 250 only when every recipient was accepted; otherwise 4xx when
 * any failure was temporary (the client retries), 5xx when all were permanent, with each recipient's own reply
 * on the following lines.
 *
 * <p>List addresses are accepted from any client, as an MX for the list domains must. Other recipients follow
 * the relay's rules ({@link ProxyOptions}): any of them from a trusted network or an authenticated client,
 * only those in the relay domains from anyone else, and {@code 554 5.7.1} for the rest.
 */
public final class MailmanMode extends RelayHandler {

    private static final Logger logger = LoggerFactory.getLogger(MailmanMode.class);

    static final Reply OTHER_DESTINATION = Reply.of(452, "4.5.3",
            "Mailing-list and other recipients go in separate transactions: send this one again separately");

    private enum Destination {
        MAILMAN,
        RELAY
    }

    private final MailmanOptions options;

    public MailmanMode(MailmanOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        if (options.relay() != null && options.relay().policy().isOpen()) {
            logger.warn("Mailman mode trusts every client address ({}) to relay: this is an open relay",
                    options.relay().trustedNetworks());
        }
    }

    public MailmanOptions options() {
        return options;
    }

    @Override
    public Reply onMail(SmtpSession session, String address, List<String> parameters) {
        // The upstream is opened at the first recipient, which tells whether it is Mailman or the relay.
        boolean peerHeader = options.relay() != null && options.relay().peerHeader();
        new RelayTransaction(session, address, parameters, peerHeader).attach();
        return null;
    }

    @Override
    CompletableFuture<Reply> rcpt(SmtpSession session, String address, List<String> parameters, Executor work) {
        RelayTransaction transaction = RelayTransaction.of(session);
        if (transaction == null) {
            return CompletableFuture.completedFuture(RelayTransaction.LOCAL_ERROR);
        }
        Destination destination = options.isListAddress(address) ? Destination.MAILMAN : Destination.RELAY;
        if (destination == Destination.RELAY
                && (options.relay() == null || !options.relay().policy().mayRelay(session, address))) {
            logger.info("Relay denied: {} may not relay to <{}>", session.peer(), address);
            return CompletableFuture.completedFuture(RelayPolicy.RELAY_DENIED);
        }
        if (transaction.isOpen() && transaction.destination() != destination) {
            if (transaction.acceptedCount() > 0) {
                return CompletableFuture.completedFuture(OTHER_DESTINATION);
            }
            // Nothing accepted on the other side yet: the transaction can still change sides.
        }
        if (!transaction.isOpen() || transaction.destination() != destination) {
            return transaction.open(work, destination == Destination.MAILMAN ? options.lmtp() : options.relay().upstream(),
                    destination, address, parameters);
        }
        return transaction.rcpt(address, parameters);
    }
}
