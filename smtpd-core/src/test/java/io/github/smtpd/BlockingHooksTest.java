package io.github.smtpd;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's handler whose hooks may block ({@code onMail}, {@code onRcpt}, {@code onReset},
 * {@code onClose}): its hooks run on the executor while the session waits on the event loop, so a hook holds a
 * thread only while it runs, one session's hooks run in order, and a hook that blocks holds up no other session.
 */
class BlockingHooksTest extends ServerTestSupport {

    private final ExecutorService pool = Executors.newCachedThreadPool();

    /** Hook tasks started and not yet ended on the server's executor. */
    private final AtomicInteger running = new AtomicInteger();

    private final AtomicInteger tasks = new AtomicInteger();

    private final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private void launchWith(SmtpHandler handler) throws Exception {
        launch(TestServers.loopback().maxSessionsPerClient(0).handler(handler).executor((task) -> {
            tasks.incrementAndGet();
            pool.execute(() -> {
                running.incrementAndGet();
                try {
                    task.run();
                }
                finally {
                    running.decrementAndGet();
                }
            });
        }));
    }

    /** Records each hook with the thread it ran on. */
    private SmtpHandler recording(CountDownLatch slowRecipient) {
        return new SmtpHandler() {
            @Override
            public Reply onMail(SmtpSession session, String address, List<String> options) {
                events.add("mail " + address + " " + Thread.currentThread().getName());
                return null;
            }

            @Override
            public Reply onRcpt(SmtpSession session, String address, List<String> options) throws Exception {
                if (address.startsWith("slow@")) {
                    assertThat(slowRecipient.await(30, TimeUnit.SECONDS)).isTrue();
                }
                if (address.startsWith("broken@")) {
                    throw new IllegalStateException("directory down");
                }
                events.add("rcpt " + address + " " + Thread.currentThread().getName());
                return null;
            }

            @Override
            public void onReset(SmtpSession session) {
                events.add("reset " + Thread.currentThread().getName());
            }

            @Override
            public void onClose(SmtpSession session) {
                events.add("close " + Thread.currentThread().getName());
            }

            @Override
            public Reply onData(Message message) {
                return null;
            }
        };
    }

    @Test
    void hooksRunOnTheExecutorAndTheSessionsHoldNoThreadWhileTheirClientsAreSilent() throws Exception {
        launchWith(recording(new CountDownLatch(0)));
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                RawClient client = connect();
                clients.add(client);
                assertThat(client.command("EHLO client.example")).startsWith("250");
                assertThat(client.command("MAIL FROM:<a" + i + "@example.org>")).startsWith("250");
            }
            assertThat(server.getSessions()).hasSize(100);
            // One task per MAIL hook, and none left running: a silent client costs its session no thread.
            assertThat(tasks.get()).isEqualTo(100);
            assertThat(eventually(() -> running.get() == 0)).isTrue();
            assertThat(events).hasSize(100).allMatch((event) -> !event.contains("smtpd-loop-"));
        }
        finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void aHookThatBlocksHoldsUpOnlyItsOwnSession() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        launchWith(recording(release));
        try (RawClient slow = connect(); RawClient other = connect()) {
            slow.command("EHLO slow.example");
            slow.command("MAIL FROM:<a@example.org>");
            slow.send("RCPT TO:<slow@example.org>\r\n");
            assertThat(other.openData("EHLO other.example", "b@example.org", "c@example.org")).startsWith("354");
            other.send("Subject: meanwhile\r\n\r\nbody\r\n.\r\n");
            assertThat(other.readReply()).startsWith("250");
            assertThat(other.command("QUIT")).startsWith("221");
            release.countDown();
            assertThat(slow.readReply()).startsWith("250");
        }
    }

    @Test
    void oneSessionsHooksRunInTheOrderItReachedThem() throws Exception {
        launchWith(recording(new CountDownLatch(0)));
        try (RawClient client = connect()) {
            client.command("EHLO client.example");
            // Pipelined: the reset must still reach the handler before the second transaction's MAIL.
            client.send("MAIL FROM:<first@example.org>\r\nRCPT TO:<r@example.org>\r\nRSET\r\n"
                    + "MAIL FROM:<second@example.org>\r\n");
            for (int i = 0; i < 4; i++) {
                assertThat(client.readReply()).startsWith("250");
            }
            assertThat(client.command("QUIT")).startsWith("221");
        }
        assertThat(eventually(() -> events.size() == 6)).as("%s", events).isTrue();
        assertThat(events).extracting((event) -> event.substring(0, event.lastIndexOf(' ')))
            .containsExactly("mail first@example.org", "rcpt r@example.org", "reset", "mail second@example.org", "reset",
                    "close");
    }

    @Test
    void aHookThatFailsIsAnsweredWith451AndTheSessionGoesOn() throws Exception {
        launchWith(recording(new CountDownLatch(0)));
        try (RawClient client = connect()) {
            client.command("EHLO client.example");
            assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<broken@example.org>")).startsWith("451");
            assertThat(client.command("RCPT TO:<fine@example.org>")).startsWith("250");
        }
    }
}
