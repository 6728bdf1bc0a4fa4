package io.github.smtpd.autoconfigure.observation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.smtpd.Message;
import io.github.smtpd.autoconfigure.MessageOutcome;
import io.micrometer.common.KeyValue;
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

    /**
     * The few low cardinality sets there are, made once per mode: the observation asks at its start and at its
     * stop of every message. Indexed by outcome, the last entry for no outcome yet.
     */
    private final Map<String, KeyValues[]> lowCardinality = new ConcurrentHashMap<>();

    @Override
    public KeyValues getLowCardinalityKeyValues(SmtpMessageObservationContext context) {
        KeyValues[] byOutcome = lowCardinality.computeIfAbsent(context.getMode(), (mode) -> {
            KeyValues values = KeyValues.of("mode", mode);
            KeyValues[] sets = new KeyValues[MessageOutcome.values().length + 1];
            for (MessageOutcome outcome : MessageOutcome.values()) {
                sets[outcome.ordinal()] = values.and("outcome", outcome.tagValue());
            }
            // Unknown at the start: smtpd.messages.active is tagged by mode alone, the timer by mode and outcome.
            sets[sets.length - 1] = values;
            return sets;
        });
        MessageOutcome outcome = context.getOutcome();
        return byOutcome[(outcome != null) ? outcome.ordinal() : byOutcome.length - 1];
    }

    /**
     * Made once per message and kept in its context: the observation asks at its start and at its stop, and each
     * {@code KeyValues.and} copies the array (a fifth of what a message allocated in the starter, measured with JFR).
     */
    @Override
    public KeyValues getHighCardinalityKeyValues(SmtpMessageObservationContext context) {
        KeyValues values = context.highCardinality;
        if (values == null) {
            Message message = context.getMessage();
            List<KeyValue> list = new ArrayList<>(4);
            list.add(KeyValue.of("message.id", message.id()));
            list.add(KeyValue.of("recipients", Integer.toString(message.rcptTos().size())));
            if (message.peer() != null && message.peer().getAddress() != null) {
                list.add(KeyValue.of("peer", message.peer().getAddress().getHostAddress()));
            }
            if (message.mailFrom() != null) {
                list.add(KeyValue.of("from", message.mailFrom()));
            }
            values = KeyValues.of(list);
            context.highCardinality = values;
        }
        return values;
    }
}
