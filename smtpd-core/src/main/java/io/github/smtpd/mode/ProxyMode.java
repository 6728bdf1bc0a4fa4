package io.github.smtpd.mode;

import java.util.List;
import java.util.Objects;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * smtpd's {@code PureProxy}, made safe: it relays to an upstream server and never answers 250 before the
 * upstream did. smtpd answered 250 first and then only printed the upstream's refusals, so mail was lost; this
 * mode follows Postfix's before-queue proxy instead. The upstream session opens at MAIL; MAIL and every RCPT
 * are forwarded live, so the client hears the upstream's verdict on each; at the end of DATA the message goes
 * upstream and the client gets the upstream's final reply. An upstream that can not be reached, times out or
 * drops the connection gives 451, so the client retries.
 *
 * <p>The message goes as the server received it: with the server's own {@code Received:} field on top (on by
 * default, {@code SmtpServer.Builder.receivedHeader}), so this hop adds exactly one trace field, or none when
 * that is turned off; and with smtpd's {@code X-Peer:} at the end of the header section when
 * {@link ProxyOptions#peerHeader()} asks for it.
 *
 * <p>It is not an open relay: only clients in the trusted networks (loopback by default) may relay; every
 * other client gets {@code 554 5.7.1} at RCPT.
 *
 * <pre>{@code
 * SmtpServer server = SmtpServer.builder()
 *         .handler(new ProxyMode(ProxyOptions.of("mail.internal:25")))
 *         .build();
 * }</pre>
 */
public final class ProxyMode implements SmtpHandler {

    private static final Logger logger = LoggerFactory.getLogger(ProxyMode.class);

    static final Reply RELAY_DENIED = Reply.of(554, "5.7.1", "Relay access denied");

    private static final String TRANSACTION = ProxyMode.class.getName() + ".transaction";

    private final ProxyOptions options;

    public ProxyMode(ProxyOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        if (options.networks().isOpen()) {
            logger.warn("Proxy mode trusts every client address ({}): this is an open relay",
                    options.trustedNetworks());
        }
    }

    public ProxyOptions options() {
        return options;
    }

    @Override
    public Reply onMail(SmtpSession session, String address, List<String> parameters) {
        RelayTransaction transaction = new RelayTransaction(session, address, parameters, options.peerHeader());
        if (!isTrusted(session)) {
            // No upstream for a client that may not relay; its recipients are refused one by one.
            session.attributes().put(TRANSACTION, transaction);
            return null;
        }
        Reply reply = transaction.open(options.upstream(), options.upstream());
        if (reply.isPositive()) {
            session.attributes().put(TRANSACTION, transaction);
        }
        return reply;
    }

    @Override
    public Reply onRcpt(SmtpSession session, String address, List<String> parameters) {
        if (!isTrusted(session)) {
            logger.info("Relay denied: {} is not in the trusted networks (recipient <{}>)", session.peer(), address);
            return RELAY_DENIED;
        }
        RelayTransaction transaction = (RelayTransaction) session.attributes().get(TRANSACTION);
        return transaction != null ? transaction.rcpt(address, parameters) : RelayTransaction.LOCAL_ERROR;
    }

    @Override
    public Reply onData(Message message) {
        SmtpSession session = message.session();
        RelayTransaction transaction = session != null ? (RelayTransaction) session.attributes().get(TRANSACTION)
                : null;
        return transaction != null ? transaction.data(message) : RelayTransaction.LOCAL_ERROR;
    }

    @Override
    public void onReset(SmtpSession session) {
        RelayTransaction transaction = (RelayTransaction) session.attributes().remove(TRANSACTION);
        if (transaction != null) {
            transaction.close();
        }
    }

    private boolean isTrusted(SmtpSession session) {
        return options.networks().contains(session.peer().getAddress());
    }
}
