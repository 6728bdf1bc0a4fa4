package io.github.smtpd.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the engines' slow handshake work runs (the key exchange, signing, checking certificates): a few threads,
 * one per core, shared by every server in the process, that end after a few idle seconds.
 * <p>
 * That work is CPU-bound, so more threads than cores only share the cores; on the sessions' executor (a thread
 * per task, kept for a minute) a burst of handshakes left dozens of idle threads behind, which is the thread per
 * TLS session this path exists to avoid. The queue holds at most one task per session in its handshake, so the
 * server's session cap bounds it. A key or trust manager that blocks on the network holds one of these threads
 * while it does, and the handshake deadline still ends its session; a server whose application gave it an
 * executor of its own ({@code SmtpServer.Builder.tlsTaskExecutor}) runs that work there instead.
 */
final class TlsTasks {

    private static final long IDLE_SECONDS = 5;

    static final Executor EXECUTOR = newPool(Math.max(2, Runtime.getRuntime().availableProcessors()));

    private TlsTasks() {
    }

    static ThreadPoolExecutor newPool(int threads) {
        AtomicInteger ids = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), (task) -> {
                    Thread thread = new Thread(task, "smtpd-tls-" + ids.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
