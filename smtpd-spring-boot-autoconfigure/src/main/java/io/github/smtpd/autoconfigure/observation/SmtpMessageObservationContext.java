package io.github.smtpd.autoconfigure.observation;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.autoconfigure.MessageOutcome;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.RequestReplyReceiverContext;

/**
 * What an observation of one message knows: the message and the mode from the start, the handler's reply and the
 * outcome once it returned.
 *
 * <p>A server receiving a request and answering it, so a tracer makes its span of kind {@code SERVER}, with the
 * client's address as the remote address. The message is the carrier; nothing is read from it to continue a trace
 * (mail has no standard trace header), so every message starts a trace of its own.
 */
public class SmtpMessageObservationContext extends RequestReplyReceiverContext<Message, Reply> {

    private final Message message;

    private final String mode;

    private Reply reply;

    private MessageOutcome outcome;

    /** The default convention's high cardinality values, made once (they do not change during the message). */
    KeyValues highCardinality;

    public SmtpMessageObservationContext(Message message, String mode) {
        super((carrier, key) -> null, Kind.SERVER);
        this.message = message;
        this.mode = mode;
        setCarrier(message);
        setRemoteServiceName("smtp-client");
    }

    /**
     * The client as a URI, which the tracing handler takes apart into the span's remote IP and port; made when
     * first asked for, since only a tracer asks and a message's observation is made on every message.
     */
    @Override
    public String getRemoteServiceAddress() {
        String address = super.getRemoteServiceAddress();
        if (address == null && message.peer() != null && message.peer().getAddress() != null) {
            String ip = message.peer().getAddress().getHostAddress();
            address = "smtp://" + (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + message.peer().getPort();
            setRemoteServiceAddress(address);
        }
        return address;
    }

    public Message getMessage() {
        return message;
    }

    /** {@code default}, {@code debugging}, {@code proxy} or {@code mailman}. */
    public String getMode() {
        return mode;
    }

    /** The handler's reply, {@code null} while it runs, when it threw, or when it returned {@code null} (250 OK). */
    public Reply getReply() {
        return reply;
    }

    /** The outcome, {@code null} while the handler runs. */
    public MessageOutcome getOutcome() {
        return outcome;
    }

    void finished(Reply reply, MessageOutcome outcome) {
        this.reply = reply;
        this.outcome = outcome;
        setResponse(reply);
    }
}
