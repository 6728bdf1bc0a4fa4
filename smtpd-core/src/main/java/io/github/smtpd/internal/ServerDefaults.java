package io.github.smtpd.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The defaults of the settings that depend on the machine: event loops, the executor, the host name. */
public final class ServerDefaults {

    /** The machine's name, looked up once, since a slow resolver would otherwise delay every server built. */
    private static volatile String fqdn;

    private ServerDefaults() {
    }

    /**
     * Half the processors, at least one: one loop thread reads and answers for thousands of clients, and the other
     * cores are left to message processing on the executor.
     */
    public static int eventLoops() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    public static Executor executor() {
        AtomicInteger threads = new AtomicInteger();
        // A thread per task, created on demand and kept a minute: a message or a hook is never queued behind
        // another session's.
        return Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "smtpd-session-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Ends the server's own default executor once the server stopped: no new tasks, and up to 5 seconds for those
     * running. Callers never pass an executor the application gave, which is the application's to end.
     */
    public static void shutDown(Executor executor) {
        if (executor instanceof ExecutorService service) {
            service.shutdown();
            try {
                service.awaitTermination(5, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The machine's fully qualified name, or {@code localhost} when it has none. */
    public static String hostName() {
        String name = fqdn;
        if (name == null) {
            try {
                name = InetAddress.getLocalHost().getCanonicalHostName();
            }
            catch (UnknownHostException | SecurityException ex) {
                name = "localhost";
            }
            fqdn = name;
        }
        return name;
    }
}
