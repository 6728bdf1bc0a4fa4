package io.github.smtpd.autoconfigure.observation;

import io.github.smtpd.Message;
import io.micrometer.common.KeyValues;

/**
 * The observation {@code smtpd.messages}: with metrics, a timer {@code smtpd.messages} and a long task timer
 * {@code smtpd.messages.active}; with tracing, one span per message named {@code smtpd message}.
 * <ul>
 * <li>Low cardinality keys, which become tags: {@code mode}, and once the handler returned {@code outcome}
 * ({@code accepted}, {@code rejected} or {@code failed}). The metrics handler adds {@code error}, the exception's
 * class name or {@code none}.</li>
 * <li>High cardinality keys, which reach spans but never metrics: {@code message.id}, {@code peer} (the client's IP
 * address), {@code from} (the reverse path) and {@code recipients} (how many).</li>
 * </ul>
 */
public class DefaultSmtpMessageObservationConvention implements SmtpMessageObservationConvention {

    public static final String NAME = "smtpd.messages";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(SmtpMessageObservationContext context) {
        return "smtpd message";
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(SmtpMessageObservationContext context) {
        KeyValues values = KeyValues.of("mode", context.getMode());
        // Unknown at the start: smtpd.messages.active is tagged by mode alone, the timer by mode and outcome.
        return (context.getOutcome() != null) ? values.and("outcome", context.getOutcome().tagValue()) : values;
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(SmtpMessageObservationContext context) {
        Message message = context.getMessage();
        KeyValues values = KeyValues.of("message.id", message.id(), "recipients",
                Integer.toString(message.rcptTos().size()));
        if (message.peer() != null && message.peer().getAddress() != null) {
            values = values.and("peer", message.peer().getAddress().getHostAddress());
        }
        return (message.mailFrom() != null) ? values.and("from", message.mailFrom()) : values;
    }
}
