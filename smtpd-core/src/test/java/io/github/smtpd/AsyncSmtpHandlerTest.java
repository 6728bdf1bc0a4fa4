package io.github.smtpd;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's {@link AsyncSmtpHandler}: its hooks answer later, its sessions wait on the loop without a thread
 * meanwhile, its blocking work runs on the session's {@code work} executor; and a {@link DataDecorator} keeps the
 * shape of the handler it wraps.
 */
class AsyncSmtpHandlerTest extends ServerTestSupport {

    private static final String LOOP_THREAD = "smtpd-loop-";

    private final Queue<String> commands = new ConcurrentLinkedQueue<>();

    private final SmtpServerListener listener = new SmtpServerListener() {
        @Override
        public void commandCompleted(SmtpSession session, String verb, Reply reply) {
            commands.add(verb + " " + reply.code() + " " + Thread.currentThread().getName());
        }
    };

    /** Answers each RCPT when the test completes the stage it left in {@code pending}. */
    private static final class LaterRecipients implements AsyncSmtpHandler {

        final BlockingQueue<CompletableFuture<Reply>> pending = new LinkedBlockingQueue<>();

        final Queue<String> dataThreads = new ConcurrentLinkedQueue<>();

        @Override
        public CompletionStage<Reply> onRcptAsync(SmtpSession session, String address, List<String> options,
                Executor work) {
            CompletableFuture<Reply> answer = new CompletableFuture<>();
            pending.add(answer);
            return answer;
        }

        @Override
        public CompletionStage<Reply> onDataAsync(Message message, Executor work) {
            return CompletableFuture.supplyAsync(() -> {
                dataThreads.add(Thread.currentThread().getName() + " " + message.text().strip());
                return null;
            }, work);
        }
    }

    @Test
    void aHookThatAnswersLaterHoldsNoThreadAndTheLoopServesOtherSessionsMeanwhile() throws Exception {
        LaterRecipients handler = new LaterRecipients();
        launch(TestServers.loopback().eventLoops(1).handler(handler).listener(listener));
        try (RawClient waiting = connect(); RawClient other = connect()) {
            waiting.command("EHLO c");
            waiting.command("MAIL FROM:<a@example.org>");
            waiting.send("RCPT TO:<nobody@example.org>\r\n");
            CompletableFuture<Reply> first = handler.pending.poll(10, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            // The one loop answers another session while the first one's hook has not answered.
            assertThat(other.command("EHLO c")).endsWith("250 HELP");
            assertThat(other.command("NOOP")).isEqualTo("250 2.0.0 OK");
            first.complete(Reply.of(550, "5.1.1", "No such user here"));
            assertThat(waiting.readReply()).isEqualTo("550 5.1.1 No such user here");

            waiting.send("RCPT TO:<b@example.org>\r\n");
            handler.pending.poll(10, TimeUnit.SECONDS).complete(null);
            assertThat(waiting.readReply()).isEqualTo("250 2.1.5 OK");
            assertThat(waiting.command("DATA")).startsWith("354");
            assertThat(waiting.command("hello\r\n.")).isEqualTo("250 2.0.0 OK");
        }
        assertThat(handler.dataThreads).singleElement().asString().endsWith(" hello").doesNotStartWith(LOOP_THREAD);
        assertThat(commands).filteredOn((command) -> command.startsWith("RCPT"))
            .hasSize(2)
            .allMatch((command) -> command.contains(" " + LOOP_THREAD));
    }

    @Test
    void aStageThatFailsAHookThatThrowsOrNoStageIsALocalError() throws Exception {
        launch(TestServers.loopback().handler(new AsyncSmtpHandler() {
            @Override
            public CompletionStage<Reply> onMailAsync(SmtpSession session, String address, List<String> options,
                    Executor work) {
                if (address.startsWith("throws")) {
                    throw new IllegalStateException("a hook that throws");
                }
                if (address.startsWith("null")) {
                    return null;
                }
                return CompletableFuture.failedFuture(new IllegalStateException("a stage that fails"));
            }

            @Override
            public CompletionStage<Reply> onDataAsync(Message message, Executor work) {
                return CompletableFuture.completedFuture(null);
            }
        }));
        try (RawClient client = connect()) {
            client.command("EHLO c");
            assertThat(client.command("MAIL FROM:<fails@example.org>")).startsWith("451 4.3.0");
            assertThat(client.command("MAIL FROM:<throws@example.org>")).startsWith("451 4.3.0");
            assertThat(client.command("MAIL FROM:<null@example.org>")).startsWith("451 4.3.0");
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
    }

    /** Counts which of its forms the server called. */
    private static final class CountingDecorator implements DataDecorator {

        final AtomicInteger blocking = new AtomicInteger();

        final AtomicInteger async = new AtomicInteger();

        @Override
        public Reply onData(Message message, SmtpHandler next) throws Exception {
            blocking.incrementAndGet();
            return next.onData(message);
        }

        @Override
        public CompletionStage<Reply> onDataAsync(Message message, Executor work, AsyncSmtpHandler next) {
            async.incrementAndGet();
            return next.onDataAsync(message, work);
        }
    }

    private void sendOneMessage() throws Exception {
        try (RawClient client = connect()) {
            assertThat(client.openData("EHLO c", "a@example.org", "b@example.org")).startsWith("354");
            assertThat(client.command("hello\r\n.")).isEqualTo("250 2.0.0 OK");
        }
    }

    @Test
    void aDecoratorKeepsTheShapeOfTheHandlerItWraps() throws Exception {
        CountingDecorator decorator = new CountingDecorator();
        SmtpHandler plain = SmtpHandler.of((message) -> null);
        SmtpHandler decoratedPlain = DataDecorator.decorate(plain, decorator, "Counted");
        assertThat(decoratedPlain).isNotInstanceOf(AsyncSmtpHandler.class);
        assertThat(decoratedPlain.toString()).startsWith("Counted[");
        launch(TestServers.loopback().handler(decoratedPlain));
        sendOneMessage();
        assertThat(decorator.blocking).hasValue(1);
        assertThat(decorator.async).hasValue(0);
        server.stop(java.time.Duration.ZERO);

        LaterRecipients async = new LaterRecipients();
        SmtpHandler decoratedAsync = DataDecorator.decorate(async, decorator, "Counted");
        assertThat(decoratedAsync).isInstanceOf(AsyncSmtpHandler.class);
        launch(TestServers.loopback().handler(decoratedAsync));
        try (RawClient client = connect()) {
            client.command("EHLO c");
            client.command("MAIL FROM:<a@example.org>");
            client.send("RCPT TO:<b@example.org>\r\n");
            async.pending.poll(10, TimeUnit.SECONDS).complete(null);
            assertThat(client.readReply()).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            assertThat(client.command("hello\r\n.")).isEqualTo("250 2.0.0 OK");
        }
        assertThat(decorator.async).hasValue(1);
        assertThat(async.dataThreads).hasSize(1);

        // A handler with blocking hooks is run on the executor first, so the decorator sees the asynchronous form.
        SmtpHandler blockingHooks = new SmtpHandler() {
            @Override
            public Reply onRcpt(SmtpSession session, String address, List<String> options) {
                return null;
            }

            @Override
            public Reply onData(Message message) {
                return null;
            }
        };
        assertThat(DataDecorator.decorate(blockingHooks, decorator, "Counted")).isInstanceOf(AsyncSmtpHandler.class);
    }
}
