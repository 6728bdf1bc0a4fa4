package io.github.smtpd.autoconfigure.task;

import io.github.smtpd.SmtpServer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The executor SMTP sessions run on, a bean named {@value #SMTPD_TASK_EXECUTOR_BEAN_NAME}; define a bean of that
 * name to replace it.
 *
 * <p>Each session is a blocking task that lasts as long as the client stays connected, so a pool with a queue
 * would let a few slow clients starve everyone queued behind them. This executor therefore starts a thread per
 * session and never queues: a virtual thread when {@code spring.threads.virtual.enabled=true} on Java 21+, a
 * daemon platform thread otherwise. The number of sessions is capped by {@code smtpd.max-sessions}, not here.
 * The application's shared {@code applicationTaskExecutor} is not used for the same reason.
 *
 * <p>It runs after {@link TaskExecutionAutoConfiguration} and is not a default autowiring candidate, so the
 * application keeps its {@code applicationTaskExecutor} and its other {@code Executor} injection points.
 */
@AutoConfiguration(after = TaskExecutionAutoConfiguration.class)
@ConditionalOnClass(SmtpServer.class)
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
public final class SmtpdTaskExecutorAutoConfiguration {

    /** The name of the bean that runs SMTP sessions. */
    public static final String SMTPD_TASK_EXECUTOR_BEAN_NAME = "smtpdTaskExecutor";

    /** The prefix of session thread names, so thread dumps show which threads are SMTP sessions. */
    public static final String THREAD_NAME_PREFIX = "smtpd-session-";

    @Bean(name = SMTPD_TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
    @ConditionalOnMissingBean(name = SMTPD_TASK_EXECUTOR_BEAN_NAME)
    SimpleAsyncTaskExecutor smtpdTaskExecutor(Environment environment) {
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor(THREAD_NAME_PREFIX);
        // Threading.VIRTUAL checks both the property and Java 21+, and Spring creates the virtual threads
        // reflectively, so this class still compiles and runs as Java 17 bytecode.
        executor.setVirtualThreads(Threading.VIRTUAL.isActive(environment));
        // Platform session threads must not keep the JVM alive; the server's accept thread, a non-daemon
        // thread, does that, and it ends when the server stops.
        executor.setDaemon(true);
        return executor;
    }
}
