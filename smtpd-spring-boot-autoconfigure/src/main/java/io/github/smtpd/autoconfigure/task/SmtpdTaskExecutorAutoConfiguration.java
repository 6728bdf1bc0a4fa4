package io.github.smtpd.autoconfigure.task;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnThreading;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * The executor that runs what may block in the SMTP server, a bean named {@value #SMTPD_TASK_EXECUTOR_BEAN_NAME};
 * define a bean of that name to replace it.
 *
 * <p>Sessions wait for their clients on the server's event loops; the executor gets each message's processors
 * (a task per message), an application's {@code SmtpHandler} hooks (a task per hook), the relay modes' upstream
 * work, and the sessions that must block while connected (TLS, AUTH, a PROXY header, an application's own
 * commands). A processor may block for
 * seconds, so a queue would hold every message behind it: this executor never queues.
 * <ul>
 * <li>With {@code spring.threads.virtual.enabled=true} on Java 21+: a virtual thread per task.</li>
 * <li>Otherwise: a pool of daemon platform threads with no queue. A task takes an idle thread, or a new one;
 * idle threads are kept for a minute, so a busy server reuses them instead of starting a thread per message.
 * The pool is bounded by twice {@code smtpd.max-sessions} (a relaying session can have its own task and one of
 * its upstream's at once); past that a message gets {@code 451} and a connection {@code 421}, and the client
 * retries.</li>
 * </ul>
 * The application's shared {@code applicationTaskExecutor} is not used: its queue would stall sessions.
 *
 * <p>It runs after {@link TaskExecutionAutoConfiguration} and is not a default autowiring candidate, so the
 * application keeps its {@code applicationTaskExecutor} and its other {@code Executor} injection points.
 */
@AutoConfiguration(after = TaskExecutionAutoConfiguration.class)
@ConditionalOnClass(SmtpServer.class)
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SmtpdProperties.class)
public final class SmtpdTaskExecutorAutoConfiguration {

    /** The name of the bean that runs the server's blocking work. */
    public static final String SMTPD_TASK_EXECUTOR_BEAN_NAME = "smtpdTaskExecutor";

    /** The prefix of its thread names, so thread dumps show which threads are the SMTP server's. */
    public static final String THREAD_NAME_PREFIX = "smtpd-session-";

    /** How long an idle pool thread waits for the next task before it ends. */
    static final long KEEP_ALIVE_SECONDS = 60;

    @Bean(name = SMTPD_TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false, destroyMethod = "shutdown")
    @ConditionalOnMissingBean(name = SMTPD_TASK_EXECUTOR_BEAN_NAME)
    @ConditionalOnThreading(Threading.PLATFORM)
    ThreadPoolExecutor smtpdTaskExecutor(SmtpdProperties properties) {
        CustomizableThreadFactory threads = new CustomizableThreadFactory(THREAD_NAME_PREFIX);
        // They must not keep the JVM alive; the server's event loops, non-daemon threads, do until it stops.
        threads.setDaemon(true);
        // A SynchronousQueue holds nothing: a task is handed to a waiting thread or starts a new one.
        return new ThreadPoolExecutor(0, maximumThreads(properties.getMaxSessions()), KEEP_ALIVE_SECONDS,
                TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    }

    @Bean(name = SMTPD_TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
    @ConditionalOnMissingBean(name = SMTPD_TASK_EXECUTOR_BEAN_NAME)
    @ConditionalOnThreading(Threading.VIRTUAL)
    SimpleAsyncTaskExecutor smtpdVirtualTaskExecutor() {
        // Virtual threads cost next to nothing to start, so there is nothing to pool. Spring creates them
        // reflectively, so this class still runs as Java 17 bytecode.
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor(THREAD_NAME_PREFIX);
        executor.setVirtualThreads(true);
        return executor;
    }

    /** Twice the sessions, see the class comment; an invalid max-sessions is reported by the server's builder. */
    static int maximumThreads(int maxSessions) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1L, 2L * maxSessions));
    }
}
