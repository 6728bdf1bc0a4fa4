package io.github.smtpd.internal;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts one kind of event per client address over a fixed window, across sessions: Postfix's anvil, for the
 * failed AUTH attempts that a client reconnecting for every guess would otherwise reset. A client's count starts
 * with its first event and is forgotten one window later.
 *
 * <p>Bounded: past {@value #MAX_CLIENTS} addresses the ones whose window ended are forgotten first, then others,
 * so a flood of addresses costs memory of at most that many entries.
 */
final class ClientEventWindow {

    static final int MAX_CLIENTS = 100_000;

    private final int limit;

    private final long windowNanos;

    private final LongSupplier clock;

    private final Map<InetAddress, Count> counts = new ConcurrentHashMap<>();

    private record Count(long start, int events) {
    }

    /** @param limit events a client may have within {@code window}; 0 for no limit (nothing is counted) */
    ClientEventWindow(int limit, Duration window) {
        this(limit, window, System::nanoTime);
    }

    ClientEventWindow(int limit, Duration window, LongSupplier clock) {
        this.limit = limit;
        this.windowNanos = window.toNanos();
        this.clock = clock;
    }

    /** Whether the client has reached the limit within its current window. */
    boolean isLimited(InetAddress client) {
        if (limit <= 0) {
            return false;
        }
        Count count = counts.get(client);
        return count != null && !expired(count, clock.getAsLong()) && count.events() >= limit;
    }

    /** Counts an event; returns the client's count within its window (0 when there is no limit). */
    int record(InetAddress client) {
        return limit <= 0 ? 0 : count(client, false);
    }

    /**
     * Counts an event in unless the client has reached the limit within its window, atomically: of several
     * threads asking at once, no more than the limit get {@code true}.
     */
    boolean tryRecord(InetAddress client) {
        return limit <= 0 || count(client, true) > 0;
    }

    /** Takes back one event counted by {@link #tryRecord}. */
    void forgive(InetAddress client) {
        if (limit > 0) {
            counts.computeIfPresent(client, (key, count) -> count.events() <= 1 ? null
                    : new Count(count.start(), count.events() - 1));
        }
    }

    /** The client's count after this event, or -1 when {@code refuseAtLimit} and it was at the limit. */
    private int count(InetAddress client, boolean refuseAtLimit) {
        long now = clock.getAsLong();
        if (counts.size() >= MAX_CLIENTS && !counts.containsKey(client)) {
            makeRoom(now);
        }
        int[] events = { -1 };
        counts.compute(client, (key, count) -> {
            if (count == null || expired(count, now)) {
                events[0] = 1;
                return new Count(now, 1);
            }
            if (refuseAtLimit && count.events() >= limit) {
                return count;
            }
            events[0] = count.events() + 1;
            return new Count(count.start(), events[0]);
        });
        return events[0];
    }

    private boolean expired(Count count, long now) {
        return now - count.start() >= windowNanos;
    }

    private void makeRoom(long now) {
        counts.values().removeIf((count) -> expired(count, now));
        Iterator<Map.Entry<InetAddress, Count>> oldest = counts.entrySet().iterator();
        while (counts.size() >= MAX_CLIENTS && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
    }

    int clients() {
        return counts.size();
    }
}
