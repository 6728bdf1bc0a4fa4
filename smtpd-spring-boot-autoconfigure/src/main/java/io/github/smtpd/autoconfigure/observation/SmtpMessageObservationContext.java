package io.github.smtpd.autoconfigure.observation;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.autoconfigure.MessageOutcome;
import io.micrometer.observation.Observation;

/**
 * What an observation of one message knows: the message and the mode from the start, the handler's reply and the
 * outcome once it returned.
 */
public class SmtpMessageObservationContext extends Observation.Context {

    private final Message message;

    private final String mode;

    private Reply reply;

    private MessageOutcome outcome;

    public SmtpMessageObservationContext(Message message, String mode) {
        this.message = message;
        this.mode = mode;
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
    }
}
