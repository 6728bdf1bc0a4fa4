package io.github.smtpd.internal;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's blocking hook work (the {@code work} of {@link io.github.smtpd.AsyncSmtpHandler}'s hooks), run one task at a time in the order given, on the
 * server's executor: a relay's upstream connection serves one command at a time, and the reset that ends one
 * transaction must reach it before the next transaction does. Off the event loop, a task given while nothing
 * waits runs at once on the calling thread: a caller off the loop (a command of the application's on the
 * executor) waits for its hooks anyway, and a hand-off would only add a context switch.
 */
public final class SerialWork implements Executor {

    private static final Logger logger = LoggerFactory.getLogger(SerialWork.class);

    private final Executor executor;

    private final EventLoop loop;

    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();

    /** Whether a thread is running this session's tasks; guarded by {@code this}. */
    private boolean running;

    /**
     * @param executor where queued tasks run
     * @param loop the session's event loop, whose thread must never run a task; {@code null} for none
     */
    SerialWork(Executor executor, EventLoop loop) {
        this.executor = executor;
        this.loop = loop;
    }

    /**
     * The session's event loop when {@code work} is a session's and the calling thread is its loop's: then the
     * caller must not block, and may do its I/O on the loop instead. {@code null} otherwise.
     */
    public static EventLoop loopOf(Executor work) {
        return work instanceof SerialWork serial ? serial.currentLoop() : null;
    }

    /** Work for a caller that has a thread of its own to wait on and no loop: every task runs at once. */
    public static SerialWork inline() {
        return new SerialWork(Runnable::run, null);
    }

    /**
     * The session's event loop when the calling thread is that loop's: then the caller must not block, and may
     * do its I/O on the loop instead. {@code null} on any other thread.
     */
    public EventLoop currentLoop() {
        return loop != null && loop.inLoop() ? loop : null;
    }

    @Override
    public void execute(Runnable task) {
        boolean onLoop = loop != null && loop.inLoop();
        synchronized (this) {
            if (running) {
                queue.add(task);
                return;
            }
            running = true;
            if (onLoop) {
                queue.add(task);
            }
        }
        if (onLoop) {
            submitDrain();
            return;
        }
        runQuietly(task);
        drain();
    }

    private void submitDrain() {
        try {
            executor.execute(this::drain);
        }
        catch (RejectedExecutionException ex) {
            // The server is stopping: its executor takes no more. Not running them would leave a session
            // waiting for an answer for ever, and a connection open.
            logger.warn("No thread for a session's hook work ({}); running it here", ex.toString());
            drain();
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            runQuietly(next);
        }
    }

    private static void runQuietly(Runnable task) {
        try {
            task.run();
        }
        catch (RuntimeException | Error ex) {
            // The next task is another hook's, which must still run.
            logger.error("A session's hook work failed", ex);
        }
    }
}
