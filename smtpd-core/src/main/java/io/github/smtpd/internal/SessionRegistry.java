package io.github.smtpd.internal;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts sessions globally and per client address, so admission is decided before a thread is spent, and
 * drains them on shutdown.
 */
public final class SessionRegistry {

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition changed = lock.newCondition();

    private final Map<InetAddress, Integer> perClient = new HashMap<>();

    private final Map<Session, Boolean> active = new ConcurrentHashMap<>();

    private final AtomicLong ids = new AtomicLong();

    private volatile int admitted;

    private volatile boolean draining;

    private final ClientEventWindow authFailures;

    /** No limit on failed AUTH attempts per client. */
    public SessionRegistry() {
        this(0, Duration.ofMinutes(1));
    }

    /** @param authFailureLimit failed AUTH attempts a client address may make within {@code authFailureWindow} */
    public SessionRegistry(int authFailureLimit, Duration authFailureWindow) {
        this.authFailures = new ClientEventWindow(authFailureLimit, authFailureWindow);
    }

    /** Failed AUTH attempts per client address, across its sessions. */
    ClientEventWindow authFailures() {
        return authFailures;
    }

    public String nextId() {
        return Long.toString(ids.incrementAndGet(), 36);
    }

    /** Counts a new connection in; returns {@code null} when admitted, else the short reason it is not. */
    public String tryAdmit(int maxSessions) {
        lock.lock();
        try {
            if (draining) {
                return "shutdown";
            }
            if (admitted >= maxSessions) {
                return "max-sessions";
            }
            admitted++;
            return null;
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Counts a session in for its client address, once that address is known (after a PROXY header, it is the
     * real client's rather than the load balancer's).
     */
    boolean admitClient(InetAddress client, int maxPerClient) {
        lock.lock();
        try {
            int fromClient = perClient.getOrDefault(client, 0);
            if (maxPerClient > 0 && fromClient >= maxPerClient) {
                return false;
            }
            perClient.put(client, fromClient + 1);
            return true;
        }
        finally {
            lock.unlock();
        }
    }

    void releaseClient(InetAddress client) {
        lock.lock();
        try {
            perClient.computeIfPresent(client, (key, count) -> count <= 1 ? null : count - 1);
        }
        finally {
            lock.unlock();
        }
    }

    /** Counts a connection out. */
    public void release() {
        lock.lock();
        try {
            admitted--;
            changed.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    /** Sessions counted in now, admitted or being admitted. */
    public int count() {
        return admitted;
    }

    /** A session must have stalled this long on its current record before a newcomer may take its place. */
    static final long SHED_AFTER_NANOS = 1_000_000_000L;

    /**
     * The server is full: finds the session that made the least progress and closes it for a newcomer from
     * {@code newcomer}, who is then counted in. Shed only a session that has stalled on its client for a second,
     * and only one of a client address holding at least two more sessions than the newcomer's: a flood from a few
     * addresses loses its slowest sessions to other clients, while its own reconnections are refused and never
     * shed each other.
     *
     * @return whether a session was shed and the newcomer counted in
     */
    public boolean shedFor(InetAddress newcomer, long now) {
        lock.lock();
        try {
            if (draining) {
                return false;
            }
            int newcomerSessions = perClient.getOrDefault(newcomer, 0);
            Session victim = null;
            int victimSessions = 0;
            long victimStalled = 0;
            for (Session session : active.keySet()) {
                long stalled = session.timeouts().stalledNanos(now);
                if (stalled < SHED_AFTER_NANOS) {
                    continue;
                }
                if (!session.settings().isClientLimited(session.peer().getAddress())) {
                    // Trusted clients (a local application's pooled connections) are not what floods the server.
                    continue;
                }
                int sessions = perClient.getOrDefault(session.peer().getAddress(), 0);
                if (sessions < newcomerSessions + 2) {
                    continue;
                }
                if (victim == null || sessions > victimSessions
                        || (sessions == victimSessions && stalled > victimStalled)) {
                    victim = session;
                    victimSessions = sessions;
                    victimStalled = stalled;
                }
            }
            if (victim == null) {
                return false;
            }
            victim.timeouts().shed();
            // Its slot frees when it has closed; until then the count runs one over, once per shed session.
            admitted++;
            return true;
        }
        finally {
            lock.unlock();
        }
    }

    void started(Session session) {
        active.put(session, Boolean.TRUE);
    }

    void ended(Session session) {
        active.remove(session);
        release();
    }

    public Collection<Session> active() {
        return List.copyOf(active.keySet());
    }

    /** Admits sessions again, for a server started after a stop. */
    public void open() {
        draining = false;
    }

    public boolean isDraining() {
        return draining;
    }

    /**
     * Refuses new sessions, closes idle ones with 421 now, waits up to {@code grace} for the rest to finish
     * their transactions, then closes what is left with 421.
     */
    public void drain(Duration grace) {
        draining = true;
        for (Session session : active()) {
            session.timeouts().shutdownRequested();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        lock.lock();
        try {
            while (admitted > 0) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                changed.awaitNanos(Math.min(remaining, 50_000_000L));
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            lock.unlock();
        }
        for (Session session : active()) {
            session.timeouts().forceClose();
        }
        // A session whose processor still runs, or whose client stopped reading, gets a little longer, then its
        // socket is closed: stop() must return.
        awaitEmpty(System.nanoTime() + FORCE_CLOSE_WAIT.toNanos());
        for (Session session : active()) {
            session.hardClose();
        }
    }

    private static final Duration FORCE_CLOSE_WAIT = Duration.ofSeconds(5);

    private void awaitEmpty(long deadline) {
        lock.lock();
        try {
            while (admitted > 0) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                changed.awaitNanos(Math.min(remaining, 50_000_000L));
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            lock.unlock();
        }
    }
}
