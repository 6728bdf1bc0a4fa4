package io.github.smtpd.autoconfigure.observation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.Observation;

/**
 * The meters of a message's observation, as Micrometer's {@code DefaultMeterObservationHandler} records them (the
 * {@code smtpd.messages} timer tagged by the low cardinality keys and {@code error}, the
 * {@code smtpd.messages.active} long task timer tagged by the keys known at the start), with the meters kept per
 * tag set instead of built and looked up in the registry twice per message: those look-ups and their tags were
 * about a third of what the starter allocated per message. Spring Boot puts every {@link MeterObservationHandler}
 * in one first-match group, so this one answers for messages and Boot's default handler for everything else.
 */
final class SmtpMessageMeterObservationHandler implements MeterObservationHandler<SmtpMessageObservationContext> {

    /** Low cardinality by definition; a convention or filter that breaks that falls back to the registry. */
    private static final int MAX_CACHED_TAG_SETS = 256;

    private final MeterRegistry registry;

    private final boolean longTaskTimer;

    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

    private final Map<Key, LongTaskTimer> activeTimers = new ConcurrentHashMap<>();

    private record Key(String name, KeyValues keyValues) {
    }

    /** @param longTaskTimer false when Boot's {@code management.metrics.observations.ignored-meters} names it */
    SmtpMessageMeterObservationHandler(MeterRegistry registry, boolean longTaskTimer) {
        this.registry = registry;
        this.longTaskTimer = longTaskTimer;
        // A meter removed from the registry (by the application, or its clear()) must not live on here: Boot's
        // handler would make it again on the next message, and so does this one once it is forgotten.
        registry.config().onMeterRemoved((meter) -> {
            timers.values().remove(meter);
            activeTimers.values().remove(meter);
        });
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
        return context instanceof SmtpMessageObservationContext;
    }

    @Override
    public void onStart(SmtpMessageObservationContext context) {
        if (longTaskTimer) {
            Key key = new Key(context.getName(), context.getLowCardinalityKeyValues());
            LongTaskTimer active = activeTimers.get(key);
            if (active == null) {
                active = registry.more().longTaskTimer(key.name() + ".active", tags(key.keyValues(), null));
                cache(activeTimers, key, active);
            }
            context.put(LongTaskTimer.Sample.class, active.start());
        }
        context.put(Timer.Sample.class, Timer.start(registry));
    }

    @Override
    public void onStop(SmtpMessageObservationContext context) {
        KeyValues keyValues = context.getLowCardinalityKeyValues();
        Timer timer;
        if (context.getError() != null) {
            // Rare, and tagged by the exception's class: straight to the registry.
            timer = registry.timer(context.getName(),
                    tags(keyValues, Tag.of("error", context.getError().getClass().getSimpleName())));
        }
        else {
            Key key = new Key(context.getName(), keyValues);
            timer = timers.get(key);
            if (timer == null) {
                timer = registry.timer(key.name(), tags(keyValues, Tag.of("error", KeyValue.NONE_VALUE)));
                cache(timers, key, timer);
            }
        }
        context.<Timer.Sample>getRequired(Timer.Sample.class).stop(timer);
        if (longTaskTimer) {
            context.<LongTaskTimer.Sample>getRequired(LongTaskTimer.Sample.class).stop();
        }
    }

    /** An event a processor signals on the message's observation: counted as the default handler counts it. */
    @Override
    public void onEvent(Observation.Event event, SmtpMessageObservationContext context) {
        registry.counter(context.getName() + "." + event.getName(), tags(context.getLowCardinalityKeyValues(), null))
            .increment();
    }

    /** How many tag sets have their meters kept, timers and active timers together; for tests. */
    int cachedTagSets() {
        return timers.size() + activeTimers.size();
    }

    private static <M> void cache(Map<Key, M> cache, Key key, M meter) {
        if (cache.size() < MAX_CACHED_TAG_SETS) {
            cache.put(key, meter);
        }
    }

    private static List<Tag> tags(KeyValues keyValues, Tag error) {
        List<Tag> tags = new ArrayList<>();
        for (KeyValue keyValue : keyValues) {
            tags.add(Tag.of(keyValue.getKey(), keyValue.getValue()));
        }
        if (error != null) {
            tags.add(error);
        }
        return tags;
    }
}
