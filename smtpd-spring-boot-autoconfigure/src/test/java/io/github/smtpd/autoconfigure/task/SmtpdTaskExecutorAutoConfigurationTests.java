package io.github.smtpd.autoconfigure.task;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.MessageProcessor;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.testsupport.Mail;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SmtpdTaskExecutorAutoConfiguration}: which thread a real session runs on is observed from inside a
 * {@link MessageProcessor}.
 */
class SmtpdTaskExecutorAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdTaskExecutorAutoConfiguration.class))
        .withUserConfiguration(ThreadRecorder.class)
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=test.example.org");

    @Test
    void messagesRunOnAPoolOfDaemonPlatformThreadsByDefault() {
        runner.run((context) -> {
            ThreadPoolExecutor pool = context.getBean("smtpdTaskExecutor", ThreadPoolExecutor.class);
            assertThat(pool.getQueue()).isInstanceOf(SynchronousQueue.class);
            Thread thread = sessionThread(context.getBean(SmtpServer.class), context.getBean(ThreadRecorder.class));
            // The core's fallback executor names its threads alike, so prove the message went through our bean.
            assertThat(pool.getLargestPoolSize()).isPositive();
            assertThat(thread.getName()).startsWith(SmtpdTaskExecutorAutoConfiguration.THREAD_NAME_PREFIX);
            assertThat(thread.isDaemon()).isTrue();
            assertThat(isVirtual(thread)).isFalse();
        });
    }

    @Test
    void threadsAreReusedFromMessageToMessage() {
        runner.run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            ThreadRecorder recorder = context.getBean(ThreadRecorder.class);
            int messages = 20;
            for (int i = 0; i < messages; i++) {
                Mail.send(server.getPort(), "a@example.org", "b@example.org", "reuse " + i, "Which thread?");
            }
            // A thread per message (the executor before) would make 20; a kept idle thread takes the next one.
            assertThat(recorder.threads).hasSizeLessThan(messages / 2);
        });
    }

    @Test
    void theNumberOfThreadsIsBoundedByTwiceTheSessions() {
        runner.withPropertyValues("smtpd.max-sessions=7").run((context) -> {
            ThreadPoolExecutor pool = context.getBean("smtpdTaskExecutor", ThreadPoolExecutor.class);
            assertThat(pool.getMaximumPoolSize()).isEqualTo(14);
            assertThat(pool.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(60);
        });
        assertThat(SmtpdTaskExecutorAutoConfiguration.maximumThreads(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void aBlockedProcessorNeverDelaysAnotherSessionsMessage() {
        runner.withUserConfiguration(BlockingProcessor.class).run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            BlockingProcessor blocking = context.getBean(BlockingProcessor.class);
            CompletableFuture<Void> held = CompletableFuture.runAsync(() -> {
                try {
                    Mail.send(server.getPort(), "block@example.org", "b@example.org", "block", "held");
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });
            assertThat(blocking.blocked.await(30, TimeUnit.SECONDS)).isTrue();
            // Queued behind the held message, this one would wait for the release that comes only after it.
            Mail.send(server.getPort(), "a@example.org", "b@example.org", "free", "not held");
            blocking.release.countDown();
            held.get(30, TimeUnit.SECONDS);
        });
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void sessionsRunOnVirtualThreadsWhenEnabled() {
        runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            Thread thread = sessionThread(server, context.getBean(ThreadRecorder.class));
            assertThat(isVirtual(thread)).isTrue();
            assertThat(thread.getName()).startsWith(SmtpdTaskExecutorAutoConfiguration.THREAD_NAME_PREFIX);
            // Virtual threads are daemons; the event loop that accepts is what keeps the application alive.
            assertThat(acceptingThread(server).isDaemon()).isFalse();
        });
    }

    @Test
    @EnabledForJreRange(max = JRE.JAVA_20)
    void virtualThreadsNeedJava21() {
        runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
            Thread thread = sessionThread(context.getBean(SmtpServer.class), context.getBean(ThreadRecorder.class));
            assertThat(thread.getName()).startsWith(SmtpdTaskExecutorAutoConfiguration.THREAD_NAME_PREFIX);
        });
    }

    @Test
    void aUserExecutorOfTheSameNameReplacesOurs() {
        runner.withUserConfiguration(UserExecutor.class).run((context) -> {
            assertThat(context).getBean("smtpdTaskExecutor").isSameAs(context.getBean(UserExecutor.class).executor);
            Thread thread = sessionThread(context.getBean(SmtpServer.class), context.getBean(ThreadRecorder.class));
            assertThat(thread.getName()).startsWith("user-smtp-");
        });
    }

    @Test
    void theApplicationKeepsItsOwnTaskExecutor() {
        runner.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class)).run((context) -> {
            assertThat(context).hasBean("applicationTaskExecutor").hasBean("smtpdTaskExecutor");
            assertThat(context.getBean("applicationTaskExecutor")).isNotSameAs(context.getBean("smtpdTaskExecutor"));
            // Ours is not a default candidate, so injecting "an Executor" still finds the application's.
            assertThat(context.getBeanProvider(Executor.class).getIfUnique())
                .isSameAs(context.getBean("applicationTaskExecutor"));
            Thread thread = sessionThread(context.getBean(SmtpServer.class), context.getBean(ThreadRecorder.class));
            assertThat(thread.getName()).startsWith(SmtpdTaskExecutorAutoConfiguration.THREAD_NAME_PREFIX);
        });
    }

    @Test
    void withoutTheExecutorTheCoreUsesItsOwnThreads() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class))
            .withUserConfiguration(ThreadRecorder.class)
            .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=test.example.org")
            .run((context) -> assertThat(
                    sessionThread(context.getBean(SmtpServer.class), context.getBean(ThreadRecorder.class)).getName())
                .startsWith("smtpd-session-"));
    }

    @Test
    void backsOffWhenDisabledOrWithoutTheCore() {
        runner.withPropertyValues("smtpd.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean("smtpdTaskExecutor"));
        runner.withClassLoader(new FilteredClassLoader(SmtpServer.class))
            .run((context) -> assertThat(context).doesNotHaveBean("smtpdTaskExecutor"));
    }

    private static Thread sessionThread(SmtpServer server, ThreadRecorder recorder) throws Exception {
        Mail.send(server.getPort(), "a@example.org", "b@example.org", "thread", "Which thread?");
        return recorder.thread.get(30, TimeUnit.SECONDS);
    }

    private static Thread acceptingThread(SmtpServer server) {
        return Thread.getAllStackTraces().keySet().stream()
            .filter((thread) -> thread.getName().equals("smtpd-loop-" + server.getPort() + "-0"))
            .findFirst().orElseThrow();
    }

    /** {@code Thread.isVirtual()} is Java 21 API; the tests compile as Java 17. */
    private static boolean isVirtual(Thread thread) throws Exception {
        if (Runtime.version().feature() < 21) {
            return false;
        }
        Method isVirtual = Thread.class.getMethod("isVirtual");
        return (boolean) isVirtual.invoke(thread);
    }

    @Configuration(proxyBeanMethods = false)
    static class ThreadRecorder {

        final CompletableFuture<Thread> thread = new CompletableFuture<>();

        final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        @Bean
        MessageProcessor threadRecorder() {
            return (message) -> {
                thread.complete(Thread.currentThread());
                threads.add(Thread.currentThread());
                return null;
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BlockingProcessor {

        final CountDownLatch blocked = new CountDownLatch(1);

        final CountDownLatch release = new CountDownLatch(1);

        @Bean
        MessageProcessor blockingProcessor() {
            return (message) -> {
                if ("block@example.org".equals(message.mailFrom())) {
                    blocked.countDown();
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("never released");
                    }
                }
                return null;
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserExecutor {

        final SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("user-smtp-");

        @Bean
        Executor smtpdTaskExecutor() {
            return executor;
        }
    }
}
