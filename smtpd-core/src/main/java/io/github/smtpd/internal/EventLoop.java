package io.github.smtpd.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread with a selector that runs the sessions while they wait for their client, in the clear or under TLS
 * ({@link TlsTransport}): it reads what each client sent and runs the commands that need no blocking (EHLO, MAIL,
 * RCPT, the DATA content, RSET, STARTTLS's handshake…) on this thread. A thread blocked in a read per session
 * costs a kernel context switch for every command round trip; here one wake-up serves every session with input
 * ready, which is how Postfix's smtp-sink keeps its kernel time low. Message processing, the TLS engine's
 * delegated tasks, and commands that must block (AUTH, custom ones), run on the server's executor instead.
 */
public final class EventLoop {

    private static final Logger logger = LoggerFactory.getLogger(EventLoop.class);

    private final Selector selector;

    private final Thread thread;

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

    /** Sessions that leave the loop once their keys are cancelled (see {@link #release}). */
    private final List<Runnable> afterDeregistration = new ArrayList<>();

    /** Channels to close once the selection that forgets their cancelled keys has run (see {@link #close}). */
    private final List<java.nio.channels.Channel> closing = new ArrayList<>();

    /** Whether the thread is (about to be) blocked in select, so that a new task must wake it. */
    private volatile boolean sleeping;

    private volatile boolean running = true;

    public EventLoop(String name) {
        try {
            this.selector = Selector.open();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not open a selector for the SMTP event loop", ex);
        }
        this.thread = new Thread(this::run, name);
        // The first loop accepts: a server started from a plain main method keeps the JVM alive.
        this.thread.setDaemon(false);
    }

    public void start() {
        thread.start();
    }

    /** Stops the thread; sessions still registered are closed by the session registry's drain first. */
    public void stop() {
        running = false;
        selector.wakeup();
        try {
            thread.join(5000);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** Set once the thread has left its loop: tasks then run on the thread that gives them. */
    private volatile boolean stopped;

    /** Runs {@code task} on the loop's thread, soon; on this thread once the loop has stopped. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (stopped) {
            // A session handed back, or closed, after the loop ended must still finish.
            runTasks();
            return;
        }
        // Only a sleeping selector needs the wake-up's system call; a busy loop finds the task on its next turn.
        if (sleeping && Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    /** Makes the selector look at its keys again: a channel closed from another thread is only closed then. */
    void wakeup() {
        selector.wakeup();
    }

    /** This turn's clock: one {@link System#nanoTime()} per wake-up serves every session it runs. */
    private long now = System.nanoTime();

    /** Whether {@link #now} was read since the thread woke up. */
    private boolean clockSet;

    private void tick() {
        if (!clockSet) {
            now = System.nanoTime();
            clockSet = true;
        }
    }

    /** {@link System#nanoTime()} as of the loop's current turn; on the loop's thread only. */
    long now() {
        return now;
    }

    /**
     * Buffers of sessions that ended, for the next ones on this loop: with a connection per message, the 16 KiB
     * DATA read buffer and the message's first memory block were most of what a session allocated. Only this
     * thread touches them.
     */
    private final java.util.ArrayDeque<byte[]> readBuffers = new java.util.ArrayDeque<>();

    private final java.util.ArrayDeque<byte[]> messageBuffers = new java.util.ArrayDeque<>();

    /** Enough for the sessions that end between two new ones; at most 2 MiB per loop, and a loop per two cores. */
    private static final int POOLED_READ_BUFFERS = 64;

    private static final int POOLED_MESSAGE_BUFFERS = 16;

    /**
     * TLS packet buffers (about 17 KB each) that sessions on this loop emptied: a TLS session takes one for each
     * read and each reply and gives it back once it is empty, so an idle session holds none and a busy one
     * allocates none. Only this thread touches them.
     */
    private final java.util.ArrayDeque<java.nio.ByteBuffer> packetBuffers = new java.util.ArrayDeque<>();

    /** At most about 1 MiB per loop: a loop works on one session at a time, which needs two. */
    private static final int POOLED_PACKET_BUFFERS = 64;

    /** An empty heap buffer of {@code size} bytes, reused when one is free here; a new one on another thread. */
    java.nio.ByteBuffer takePacketBuffer(int size) {
        if (inLoop()) {
            java.nio.ByteBuffer buffer = packetBuffers.poll();
            if (buffer != null && buffer.capacity() == size) {
                return buffer;
            }
        }
        return java.nio.ByteBuffer.allocate(size);
    }

    /** Takes back a packet buffer nothing refers to any more, on this loop's thread; elsewhere it is left to the GC. */
    void giveBackPacketBuffer(java.nio.ByteBuffer buffer) {
        if (inLoop() && packetBuffers.size() < POOLED_PACKET_BUFFERS) {
            packetBuffers.push(buffer.clear());
        }
    }

    /** A read buffer of {@code size} bytes, reused when one is free; on this loop's thread only. */
    byte[] takeReadBuffer(int size) {
        byte[] buffer = readBuffers.poll();
        return buffer != null && buffer.length == size ? buffer : new byte[size];
    }

    /** A message memory block to start with (may be empty); on this loop's thread only. */
    byte[] takeMessageBuffer() {
        byte[] buffer = messageBuffers.poll();
        return buffer != null ? buffer : new byte[0];
    }

    /** Takes back the buffers of a session that ended, on this loop's thread; elsewhere they are left to the GC. */
    void giveBack(byte[] readBuffer, byte[] messageBuffer) {
        if (!inLoop()) {
            return;
        }
        if (readBuffer != null && readBuffers.size() < POOLED_READ_BUFFERS) {
            readBuffers.push(readBuffer);
        }
        if (messageBuffer != null && messageBuffer.length > 0 && messageBuffers.size() < POOLED_MESSAGE_BUFFERS) {
            messageBuffers.push(messageBuffer);
        }
    }

    /** Whether the calling thread is this loop's. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    SelectionKey register(java.nio.channels.SelectableChannel channel, Object attachment) throws IOException {
        return channel.register(selector, SelectionKey.OP_READ, attachment);
    }

    /**
     * Registers a non-blocking channel that waits for nothing yet, e.g. a relay's upstream connection; on this
     * loop's thread. {@code ready} runs on this thread whenever the channel is ready for what it then waits for.
     */
    public SelectionKey registerIdle(java.nio.channels.SelectableChannel channel, Runnable ready) throws IOException {
        return channel.register(selector, 0, ready);
    }

    /**
     * Accepts connections on this loop, as smtp-sink does: a thread blocked in accept would cost a context switch
     * per connection. {@code acceptable} runs on this thread whenever connections wait.
     */
    public SelectionKey registerAcceptor(java.nio.channels.ServerSocketChannel channel, Runnable acceptable)
            throws IOException {
        channel.configureBlocking(false);
        SelectionKey key = channel.register(selector, SelectionKey.OP_ACCEPT, acceptable);
        // A selection already under way would not see the new key.
        selector.wakeup();
        return key;
    }

    /** Runs {@code task} on this loop's thread after {@code delayMillis} (roughly: at its next turn after that). */
    public void schedule(Runnable task, long delayMillis) {
        execute(() -> timers.add(new Timer(System.nanoTime() + delayMillis * 1_000_000, task)));
    }

    private record Timer(long due, Runnable task) {
    }

    /** Delayed tasks; only this thread touches the list. */
    private final List<Timer> timers = new ArrayList<>();

    private void runDueTimers() {
        if (timers.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        List<Timer> due = new ArrayList<>();
        timers.removeIf((timer) -> timer.due() - now <= 0 && due.add(timer));
        due.forEach((timer) -> runQuietly(timer.task()));
    }

    /** How long select may wait: until the next timer, or for ever (0). */
    private long selectTimeoutMillis() {
        long now = System.nanoTime();
        long wait = Long.MAX_VALUE;
        for (Timer timer : timers) {
            wait = Math.min(wait, Math.max(1, (timer.due() - now) / 1_000_000 + 1));
        }
        return wait == Long.MAX_VALUE ? 0 : wait;
    }

    /**
     * Cancels {@code key} and runs {@code then} once the selector has forgotten the channel, on this thread: only
     * then may the channel be switched to blocking mode.
     */
    void release(SelectionKey key, Runnable then) {
        key.cancel();
        afterDeregistration.add(then);
    }

    /**
     * Closes a session's channel on this thread, its key first: a channel closed while still registered is shut
     * down for writing (a {@code getsockopt} and a {@code shutdown}, which mostly fails once the client has
     * gone) and only closed at the next selection anyway. Deregistered first, it is closed plainly after that
     * selection, which the loop makes without waiting.
     */
    void close(SelectionKey key, java.nio.channels.Channel channel) {
        key.cancel();
        closing.add(channel);
    }

    private static void closeAll(List<java.nio.channels.Channel> channels) {
        // Indexed: an iterator on every turn of the loop, nearly always over nothing, was garbage per message.
        for (int i = 0; i < channels.size(); i++) {
            java.nio.channels.Channel channel = channels.get(i);
            try {
                channel.close();
            }
            catch (IOException ex) {
                // Closed already.
            }
        }
    }

    private void run() {
        while (running) {
            List<java.nio.channels.Channel> toClose = List.of();
            try {
                runTasks();
                sleeping = true;
                clockSet = false;
                // Cancelled keys leave at the start of a selection: the channels that wait for it close after it,
                // and one that waits makes it not wait (its client has its reply, and waits for our close).
                if (!closing.isEmpty()) {
                    toClose = new ArrayList<>(closing);
                    closing.clear();
                }
                if (tasks.isEmpty() && afterDeregistration.isEmpty() && toClose.isEmpty()) {
                    selector.select(this::ready, selectTimeoutMillis());
                }
                else {
                    selector.selectNow(this::ready);
                }
                sleeping = false;
                closeAll(toClose);
                toClose = List.of();
                tick();
                runDueTimers();
                runTasks();
                while (!afterDeregistration.isEmpty()) {
                    // A selection removes cancelled keys; it may ready other sessions, which may leave too.
                    selector.selectNow(this::ready);
                    List<Runnable> leaving = new ArrayList<>(afterDeregistration);
                    afterDeregistration.clear();
                    leaving.forEach(EventLoop::runQuietly);
                }
            }
            catch (IOException | RuntimeException | Error ex) {
                // The loop serves every session on it: it must outlive any one failure.
                logger.error("SMTP event loop {} failed; it goes on", thread.getName(), ex);
            }
            finally {
                closeAll(toClose);
            }
        }
        stopped = true;
        closeAll(closing);
        closing.clear();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof AutoCloseable connection) {
                // Not a session (the registry closes those): an upstream connection, whose exchange under way
                // fails now rather than wait for a selection that never comes.
                try {
                    connection.close();
                }
                catch (Exception ex) {
                    logger.debug("Could not close a connection of loop {}", thread.getName(), ex);
                }
            }
        }
        try {
            selector.close();
        }
        catch (IOException ex) {
            // Closing anyway.
        }
        afterDeregistration.forEach(EventLoop::runQuietly);
        afterDeregistration.clear();
        runTasks();
        // Sessions the tasks above ended (their keys are gone with the selector).
        closeAll(closing);
        closing.clear();
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            runQuietly(task);
        }
    }

    private static void runQuietly(Runnable task) {
        try {
            task.run();
        }
        catch (RuntimeException | Error ex) {
            logger.error("SMTP event loop task failed", ex);
        }
    }

    private void ready(SelectionKey key) {
        // Sessions woken here are run inside select: the clock of this turn is read at the first of them.
        tick();
        if (!key.isValid()) {
            return;
        }
        if (key.attachment() instanceof Session session) {
            session.driver().ready(key);
        }
        else if (key.attachment() instanceof Runnable acceptable) {
            acceptable.run();
        }
    }
}
