package io.github.smtpd.autoconfigure;

import java.util.Locale;

import io.github.smtpd.Message;
import io.github.smtpd.Protocol;
import io.github.smtpd.Reply;

/**
 * How a message that reached the end of DATA ended, in the three words the endpoint, the metrics and the log line
 * share. It follows the reply class, because that is what the client acts on: {@link #ACCEPTED} (2xx, the message
 * is ours), {@link #FAILED} (4xx, the client keeps it and retries: a processor threw, the upstream was unreachable,
 * or the processor deferred it) and {@link #REJECTED} (5xx, the client gives up and bounces it).
 */
public enum MessageOutcome {

    ACCEPTED,

    REJECTED,

    FAILED;

    private final String tagValue = name().toLowerCase(Locale.ROOT);

    /** The outcome of a reply; {@code null} stands for the {@code 250 OK} a processor's {@code null} becomes. */
    public static MessageOutcome of(Reply reply) {
        if (reply == null || reply.isPositive()) {
            return ACCEPTED;
        }
        return reply.isTransientFailure() ? FAILED : REJECTED;
    }

    /**
     * The outcome of a handler's reply to a whole message. Over LMTP every recipient gets its own reply (the one the
     * handler set for it, else the returned one), and the message counts as the first recipient that was not
     * accepted, as the server's own log line does.
     */
    public static MessageOutcome of(Message message, Reply returned) {
        if (message.session() == null || message.session().server().settings().protocol() != Protocol.LMTP) {
            return of(returned);
        }
        for (int i = 0; i < message.rcptTos().size(); i++) {
            Reply own = message.recipientReply(i);
            MessageOutcome outcome = of(own != null ? own : returned);
            if (outcome != ACCEPTED) {
                return outcome;
            }
        }
        return of(returned);
    }

    /** The lower-case word for tags and JSON: {@code accepted}, {@code rejected} or {@code failed}. */
    public String tagValue() {
        return tagValue;
    }
}
