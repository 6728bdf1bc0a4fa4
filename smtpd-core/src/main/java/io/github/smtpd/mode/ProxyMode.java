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
 * smtpd's {@code PureProxy}, made safe: it relays to an upstream server and never answers 250 before the
 * upstream did. smtpd answered 250 first and then only printed the upstream's refusals, so mail was lost; this
 * mode follows Postfix's before-queue proxy instead. Every RCPT is forwarded live, so the client hears the
 * upstream's verdict on each; MAIL goes upstream with the first recipient (in one round trip when the upstream
 * offers PIPELINING), so a refusal of the sender answers that RCPT, as with Postfix's {@code smtpd_delay_reject}.
 * At the end of DATA the message goes upstream (as one {@code BDAT LAST} when it is small and the upstream
 * offers CHUNKING) and the client gets the upstream's final reply. An upstream that can not be reached, times
 * out or drops the connection gives 451, so the client retries.
 *
 * <p>The message goes as the server received it: with the server's own {@code Received:} field on top (on by
 * default, {@code SmtpServer.Builder.receivedHeader}), so this hop adds exactly one trace field, or none when
 * that is turned off; and with smtpd's {@code X-Peer:} at the end of the header section when
 * {@link ProxyOptions#peerHeader()} asks for it.
 *
 * <p>ESMTP parameters go upstream when it offers their extension. A binary message ({@code BODY=BINARYMIME})
 * goes byte for byte in BDAT chunks, to an upstream that offers CHUNKING and BINARYMIME only. DSN's (RET and ENVID on MAIL, NOTIFY and ORCPT
 * on RCPT) are forwarded to an upstream that offers DSN and dropped otherwise. RFC 3461 5.2.2 would then have
 * the relaying MTA issue a "relayed" DSN itself for NOTIFY=SUCCESS: this mode generates no delivery status
 * notifications at all. It never queues, so every failure reaches the client as a reply, and the client's own
 * MTA reports it.
 *
 * <p>It is not an open relay. A client in the trusted networks (loopback by default), or one that
 * authenticated, may send to any recipient. Anyone else may send only to the relay domains
 * ({@link ProxyOptions.Builder#relayDomains}); every other recipient gets {@code 554 5.7.1} at RCPT, and
 * never reaches the upstream.
 *
 * <pre>{@code
 * SmtpServer server = SmtpServer.builder()
 *         .handler(new ProxyMode(ProxyOptions.of("mail.internal:25")))
 *         .build();
 * }</pre>
 */
public final class ProxyMode extends RelayHandler {

    private static final Logger logger = LoggerFactory.getLogger(ProxyMode.class);

    private final ProxyOptions options;

    public ProxyMode(ProxyOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        if (options.policy().isOpen()) {
            logger.warn("Proxy mode trusts every client address ({}): this is an open relay",
                    options.trustedNetworks());
        }
    }

    public ProxyOptions options() {
        return options;
    }

    @Override
    public Reply onMail(SmtpSession session, String address, List<String> parameters) {
        // The upstream is opened at the first recipient this client may relay to, with MAIL and that RCPT in one
        // round trip.
        new RelayTransaction(session, address, parameters, options.peerHeader()).attach();
        return null;
    }

    @Override
    CompletableFuture<Reply> rcpt(SmtpSession session, String address, List<String> parameters, Executor work) {
        RelayTransaction transaction = RelayTransaction.of(session);
        if (transaction == null) {
            return CompletableFuture.completedFuture(RelayTransaction.LOCAL_ERROR);
        }
        if (!options.policy().mayRelay(session, address)) {
            logger.info("Relay denied: {} may not relay to <{}>", session.peer(), address);
            return CompletableFuture.completedFuture(RelayPolicy.RELAY_DENIED);
        }
        return transaction.isOpen()
                ? transaction.rcpt(address, parameters)
                : transaction.open(work, options.upstream(), options.upstream(), address, parameters);
    }
}
