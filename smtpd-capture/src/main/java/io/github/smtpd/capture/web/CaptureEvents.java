package io.github.smtpd.capture.web;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.smtpd.capture.CaptureListener;
import io.github.smtpd.capture.MessageStore;
import io.github.smtpd.capture.StoredMessage;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The live events of the store, as server-sent events: each SSE message is a JSON array of Mailpit-style events
 * ({@code {"Type":"new","Data":{...list entry...}}}, {@code delete}, {@code truncate}, {@code update},
 * {@code stats}, and {@code refresh} when too many happened at once to send one by one).
 *
 * <p>Why a queue and one sender thread: the store is told of a message on the SMTP session's thread, which must
 * not wait for a browser. Events are batched (at most about ten writes a second per subscriber), the queue is
 * bounded, and when it fills the subscribers are told to refresh instead: nothing waits and nothing grows.
 *
 * <p>Why a lifecycle: an event stream is a request that never ends by itself, and the web server's graceful
 * shutdown waits for requests in progress (up to {@code spring.lifecycle.timeout-per-shutdown-phase}, 30 seconds)
 * before the beans are destroyed. So the streams are ended when the context stops, in a phase before the web
 * server's; a page that is still open reconnects to whatever serves it next.
 */
public class CaptureEvents implements CaptureListener, SmartLifecycle, DisposableBean {

    /** More "new" events than this in one batch become one "refresh". */
    static final int MAX_NEW_PER_BATCH = 50;

    private static final int QUEUE_CAPACITY = 10_000;

    private static final long BATCH_MILLIS = 100;

    private static final long HEARTBEAT_MILLIS = 15_000;

    private final MessageStore store;

    private final int maxSubscribers;

    private final Set<SseEmitter> subscribers = new CopyOnWriteArraySet<>();

    private final BlockingQueue<Map<String, Object>> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);

    private final AtomicBoolean overflowed = new AtomicBoolean();

    private final Thread sender;

    private volatile boolean running = true;

    private volatile boolean started;

    public CaptureEvents(MessageStore store, int maxSubscribers) {
        this.store = store;
        this.maxSubscribers = maxSubscribers;
        this.sender = new Thread(this::run, "smtpd-capture-events");
        this.sender.setDaemon(true);
        this.sender.start();
        store.addListener(this);
    }

    /**
     * A new subscriber, or {@code null} when there are already as many as allowed.
     */
    public SseEmitter subscribe() {
        if (subscribers.size() >= maxSubscribers) {
            return null;
        }
        SseEmitter emitter = new SseEmitter(0L);
        emitter.onCompletion(() -> subscribers.remove(emitter));
        emitter.onTimeout(() -> subscribers.remove(emitter));
        emitter.onError((ex) -> subscribers.remove(emitter));
        subscribers.add(emitter);
        send(emitter, List.of(stats()));
        return emitter;
    }

    @Override
    public void added(StoredMessage message) {
        offer("new", message);
    }

    @Override
    public void deleted(Collection<Long> ids) {
        offer("delete", Map.of("IDs", ids.stream().map(String::valueOf).toList()));
    }

    @Override
    public void cleared() {
        offer("truncate", null);
    }

    @Override
    public void markedRead(Collection<Long> ids, boolean read) {
        offer("update", Map.of("IDs", ids.stream().map(String::valueOf).toList(), "Read", read));
    }

    private void offer(String type, Object data) {
        if (subscribers.isEmpty()) {
            return;
        }
        java.util.LinkedHashMap<String, Object> event = new java.util.LinkedHashMap<>();
        event.put("Type", type);
        event.put("Data", data);
        if (!queue.offer(event)) {
            overflowed.set(true);
        }
    }

    private void run() {
        long lastWrite = System.currentTimeMillis();
        List<Map<String, Object>> batch = new ArrayList<>();
        while (running) {
            try {
                Map<String, Object> first = queue.poll(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    heartbeat();
                    continue;
                }
                // Gather what else arrives in the batch window, so a burst becomes one write.
                long wait = BATCH_MILLIS - (System.currentTimeMillis() - lastWrite);
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                batch.add(first);
                queue.drainTo(batch);
                publish(batch);
                batch.clear();
                lastWrite = System.currentTimeMillis();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            catch (RuntimeException ex) {
                batch.clear();
            }
        }
    }

    private void publish(List<Map<String, Object>> batch) {
        List<Map<String, Object>> events = new ArrayList<>();
        long newCount = batch.stream().filter((event) -> "new".equals(event.get("Type"))).count();
        if (overflowed.getAndSet(false) || newCount > MAX_NEW_PER_BATCH) {
            events.add(Map.of("Type", "refresh"));
        }
        else {
            for (Map<String, Object> event : batch) {
                if (event.get("Data") instanceof StoredMessage message) {
                    event.put("Data", MailpitJson.listItem(message));
                }
                events.add(event);
            }
        }
        events.add(stats());
        for (SseEmitter emitter : subscribers) {
            send(emitter, events);
        }
    }

    private Map<String, Object> stats() {
        return Map.of("Type", "stats", "Data", Map.of("Total", store.count(), "Unread", store.unread()));
    }

    private void heartbeat() {
        for (SseEmitter emitter : subscribers) {
            try {
                emitter.send(SseEmitter.event().comment("keep-alive"));
            }
            catch (IOException | IllegalStateException ex) {
                subscribers.remove(emitter);
            }
        }
    }

    private void send(SseEmitter emitter, List<Map<String, Object>> events) {
        try {
            emitter.send(events, MediaType.APPLICATION_JSON);
        }
        catch (IOException | IllegalStateException ex) {
            // The browser went away: the container completes the emitter, which removes it.
            subscribers.remove(emitter);
        }
    }

    @Override
    public void start() {
        started = true;
    }

    /** Ends every event stream, so that the web server's graceful shutdown has no request left to wait for. */
    @Override
    public void stop() {
        started = false;
        completeAll();
    }

    @Override
    public boolean isRunning() {
        return started;
    }

    /** The default phase, the last to start and the first to stop: before the web server's graceful shutdown. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    @Override
    public void destroy() {
        running = false;
        store.removeListener(this);
        sender.interrupt();
        completeAll();
    }

    private void completeAll() {
        for (SseEmitter emitter : subscribers) {
            subscribers.remove(emitter);
            try {
                emitter.complete();
            }
            catch (RuntimeException ex) {
                // Already completed, or its response is gone: nothing is left to end.
            }
        }
    }
}
