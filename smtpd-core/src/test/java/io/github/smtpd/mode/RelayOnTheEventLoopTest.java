package io.github.smtpd.mode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.relay.StartTls;
import io.github.smtpd.relay.UpstreamOptions;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import io.github.smtpd.test.TestTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Relay sessions wait for their clients on the event loop, and for their upstream without holding up the loop:
 * a session whose RCPT or data waits for the upstream reads no more of its client meanwhile, and the other
 * sessions on the loop go on.
 */
class RelayOnTheEventLoopTest {

    /** Recipients starting with this make the upstream wait for {@link #release} before it answers RCPT. */
    private static final String SLOW = "slow";

    private final CountDownLatch release = new CountDownLatch(1);

    private final CountDownLatch slowAsked = new CountDownLatch(1);

    private final RecordingProcessor received = new RecordingProcessor();

    private final ExecutorService pool = Executors.newCachedThreadPool();

    private final AtomicInteger tasks = new AtomicInteger();

    private SmtpServer upstream;

    private SmtpServer proxy;

    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        for (RawClient client : clients) {
            client.close();
        }
        if (proxy != null) {
            proxy.stop(Duration.ZERO);
        }
        if (upstream != null) {
            upstream.stop(Duration.ZERO);
        }
        pool.shutdownNow();
    }

    private void start(SmtpServer.Builder proxyBuilder) {
        start(TestServers.loopback(), proxyBuilder, ProxyOptions::of);
    }

    /** @param options the proxy's options, given the upstream's address */
    private void start(SmtpServer.Builder upstreamBuilder, SmtpServer.Builder proxyBuilder,
            java.util.function.Function<String, ProxyOptions> options) {
        upstream = upstreamBuilder.hostName("upstream.test").handler(new SmtpHandler() {
            @Override
            public Reply onRcpt(SmtpSession session, String address, List<String> options) throws Exception {
                if (address.startsWith(SLOW)) {
                    slowAsked.countDown();
                    assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                }
                return address.startsWith("nobody") ? Reply.of(550, "5.1.1", "No such user here") : null;
            }

            @Override
            public Reply onData(Message message) {
                return received.process(message);
            }
        }).build();
        upstream.start();
        proxy = proxyBuilder.eventLoops(1).executor((task) -> {
            tasks.incrementAndGet();
            pool.execute(task);
        }).handler(new ProxyMode(options.apply("127.0.0.1:" + upstream.getPort()))).build();
        proxy.start();
    }

    private RawClient client() throws Exception {
        RawClient client = RawClient.connect(TestServers.address(proxy));
        clients.add(client);
        assertThat(client.command("EHLO client.example")).startsWith("250");
        return client;
    }

    /** A client whose RCPT the upstream holds until {@link #release}: its session waits for the answer. */
    private RawClient waitingForTheUpstream() throws Exception {
        RawClient client = client();
        assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
        client.send("RCPT TO:<" + SLOW + "@example.net>\r\n");
        assertThat(slowAsked.await(10, TimeUnit.SECONDS)).isTrue();
        return client;
    }

    @Test
    void idleRelaySessionsHoldNoThreads() throws Exception {
        start(TestServers.loopback().maxSessionsPerClient(0));
        for (int i = 0; i < 100; i++) {
            assertThat(client().command("NOOP")).startsWith("250");
        }
        assertThat(proxy.getSessions()).hasSize(100);
        assertThat(tasks).hasValue(0);
    }

    @Test
    void messagesOnAKeptUpstreamConnectionNeedNoThread() throws Exception {
        start(TestServers.loopback());
        RawClient client = client();
        for (int i = 0; i < 5; i++) {
            assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<one@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<nobody@example.net>")).startsWith("550 5.1.1");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: message " + i + "\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250");
            assertThat(received.next().text()).contains("Subject: message " + i);
        }
        assertThat(client.command("QUIT")).startsWith("221");
        // Connecting blocks, so it took one task; every command after it ran on the loop.
        assertThat(tasks).hasValue(1);
    }

    @Test
    void anUpstreamThatNeverAnswersARecipientTimesOut() throws Exception {
        start(TestServers.loopback(), TestServers.loopback(), (address) -> ProxyOptions.builder()
                .upstream(UpstreamOptions.builder().addresses(address).timeout(Duration.ofMillis(500)).build())
                .build());
        RawClient client = client();
        assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
        assertThat(client.command("RCPT TO:<" + SLOW + "@example.net>"))
                .isEqualTo("451 4.4.2 Upstream server timed out, try again later");
        release.countDown();
        // The session goes on, and its next transaction gets a new upstream connection.
        assertThat(client.command("RSET")).startsWith("250");
        assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
        assertThat(client.command("RCPT TO:<fast@example.net>")).startsWith("250");
    }

    @Test
    void aStartTlsUpstreamIsServedFromTheExecutorAndAnswersOnTheLoop() throws Exception {
        start(TestServers.loopback().sslContext(TestTls::serverContext), TestServers.loopback(),
                (address) -> ProxyOptions.builder().upstream(UpstreamOptions.builder().addresses(address)
                        .startTls(StartTls.REQUIRED).sslContext(TestTls.clientContext()).build()).build());
        RawClient client = client();
        for (int i = 0; i < 3; i++) {
            assertThat(client.openData("NOOP", "a@example.org", "one@example.net")).startsWith("354");
            client.send("Subject: over TLS " + i + "\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250");
            Message relayed = received.next().message();
            assertThat(relayed.session().isSecure()).isTrue();
        }
        // Connecting took one task, and the commands after it more (an SSLSocket only does blocking I/O), where a
        // plain upstream needs none (messagesOnAKeptUpstreamConnectionNeedNoThread). Not one per command: a command
        // given while the session's last task is still finishing runs in that task.
        assertThat(tasks.get()).isGreaterThan(1);
    }

    @Test
    void aClientThatResetsTheConnectionWhileItsMessageIsRelayedCannotChangeWhatIsRelayed() throws Exception {
        // An upstream without CHUNKING, so the content streams after its 354, which it holds back until both
        // messages have reached the proxy: the second one is received while the first still waits to be read.
        CountDownLatch go = new CountDownLatch(1);
        java.util.concurrent.Semaphore dataSeen = new java.util.concurrent.Semaphore(0);
        java.util.concurrent.BlockingQueue<String> relayed = new java.util.concurrent.LinkedBlockingQueue<>();
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            pool.execute(() -> {
                while (!listener.isClosed()) {
                    try {
                        java.net.Socket connection = listener.accept();
                        pool.execute(() -> serveHeldBack(connection, go, dataSeen, relayed));
                    }
                    catch (java.io.IOException ex) {
                        return;
                    }
                }
            });
            proxy = TestServers.loopback().eventLoops(1).executor(pool)
                .handler(new ProxyMode(ProxyOptions.of("127.0.0.1:" + listener.getLocalPort()))).build();
            proxy.start();

            RawClient first = client();
            assertThat(first.openData("NOOP", "a@example.org", "one@example.net")).startsWith("354");
            first.send("Subject: first\r\n\r\n" + "1".repeat(10_000) + "\r\n.\r\n");
            assertThat(dataSeen.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
            // A reset, not a goodbye: the session ends at once, while its message is still being relayed.
            first.socket().setSoLinger(true, 0);
            first.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.getSessions().size() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }

            RawClient second = client();
            assertThat(second.openData("NOOP", "b@example.org", "two@example.net")).startsWith("354");
            // Shorter, so that it fits in the first one's memory, were that given to it.
            second.send("Subject: second\r\n\r\n" + "2".repeat(9_000) + "\r\n.\r\n");
            assertThat(dataSeen.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            assertThat(second.readReply()).startsWith("250");

            List<String> contents = List.of(relayed.poll(10, TimeUnit.SECONDS), relayed.poll(10, TimeUnit.SECONDS));
            assertThat(contents).anySatisfy((content) -> assertThat(content)
                    .contains("Subject: first\r\n\r\n" + "1".repeat(10_000) + "\r\n").doesNotContain("2222"));
            assertThat(contents).anySatisfy((content) -> assertThat(content)
                    .contains("Subject: second\r\n\r\n" + "2".repeat(9_000) + "\r\n").doesNotContain("1111"));
        }
    }

    /** One upstream connection of a bare SMTP server that holds its 354 back until {@code go}. */
    private static void serveHeldBack(java.net.Socket connection, CountDownLatch go,
            java.util.concurrent.Semaphore dataSeen, java.util.concurrent.BlockingQueue<String> relayed) {
        try (connection) {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    connection.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
            java.io.Writer out = new java.io.OutputStreamWriter(connection.getOutputStream(),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            out.write("220 held.example ESMTP\r\n");
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                String verb = line.length() < 4 ? line : line.substring(0, 4).toUpperCase(java.util.Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> out.write("250-held.example\r\n250 PIPELINING\r\n");
                    case "DATA" -> {
                        dataSeen.release();
                        if (!go.await(30, TimeUnit.SECONDS)) {
                            return;
                        }
                        out.write("354 go ahead\r\n");
                        out.flush();
                        StringBuilder content = new StringBuilder();
                        while ((line = in.readLine()) != null && !line.equals(".")) {
                            content.append(line).append("\r\n");
                        }
                        relayed.add(content.toString());
                        out.write("250 2.0.0 queued\r\n");
                    }
                    case "QUIT" -> {
                        out.write("221 bye\r\n");
                        out.flush();
                        return;
                    }
                    default -> out.write("250 OK\r\n");
                }
                out.flush();
            }
        }
        catch (java.io.IOException | InterruptedException ex) {
            // The test ends, or the proxy hung up.
        }
    }

    @Test
    void whatAClientSentBeforeItHalfClosedIsAnsweredOnceItsRecipientIs() throws Exception {
        start(TestServers.loopback());
        RawClient client = client();
        String body = "Subject: half-closed\r\n\r\nbody\r\n";
        client.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<" + SLOW + "@example.net>\r\nBDAT " + body.length()
                + " LAST\r\n" + body + "QUIT\r\n");
        client.socket().shutdownOutput();
        assertThat(slowAsked.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200); // the proxy sees the end of input while the RCPT waits
        release.countDown();
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.readReply()).startsWith("221");
        assertThat(received.next().text()).contains("Subject: half-closed");
    }

    @Test
    void aStopAnswersTheRecipientThatWaitsForTheUpstreamBeforeItSays421() throws Exception {
        start(TestServers.loopback());
        RawClient client = waitingForTheUpstream();
        Thread stopping = new Thread(() -> proxy.stop(Duration.ofMillis(200)));
        stopping.start();
        Thread.sleep(700); // past the grace period: the stop has asked the session to end
        release.countDown();
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.readReply()).startsWith("421");
        stopping.join(15_000);
        assertThat(stopping.isAlive()).isFalse();
    }

    @Test
    void aStopEndsASessionWhoseUpstreamNeverGreets() throws Exception {
        // The connection is made and never greeted: connecting blocks a thread of the executor, not the loop, and
        // no loop event will ever end it.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            proxy = TestServers.loopback().eventLoops(1).executor(pool)
                .handler(new ProxyMode(ProxyOptions.of("127.0.0.1:" + silent.getLocalPort()))).build();
            proxy.start();
            RawClient client = client();
            assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
            client.send("RCPT TO:<somebody@example.net>\r\n");
            try (java.net.Socket connecting = silent.accept()) {
                // The stop gives up waiting after its grace and five seconds more, and the session must be gone.
                proxy.stop(Duration.ofMillis(100));
                assertThat(proxy.getSessions()).isEmpty();
                assertThat(client.isClosedByServer()).isTrue();
            }
        }
    }

    @Test
    void aSessionWaitingForItsUpstreamDoesNotHoldUpTheOthersOnItsLoop() throws Exception {
        start(TestServers.loopback());
        RawClient waiting = waitingForTheUpstream();

        RawClient other = client();
        assertThat(other.openData("NOOP", "b@example.org", "fast@example.net")).startsWith("354");
        other.send("Subject: meanwhile\r\n\r\nbody\r\n.\r\n");
        assertThat(other.readReply()).startsWith("250");
        assertThat(received.next().text()).contains("Subject: meanwhile");

        release.countDown();
        assertThat(waiting.readReply()).startsWith("250");
        assertThat(waiting.command("DATA")).startsWith("354");
        waiting.send("Subject: after the wait\r\n\r\nbody\r\n.\r\n");
        assertThat(waiting.readReply()).startsWith("250");
        assertThat(received.next().message().rcptTos()).containsExactly(SLOW + "@example.net");
    }

    @Test
    void commandsPipelinedBehindARecipientAreAnsweredInOrderOnceItIs() throws Exception {
        start(TestServers.loopback());
        RawClient client = client();
        client.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<one@example.net>\r\nRCPT TO:<nobody@example.net>\r\n"
                + "RCPT TO:<two@example.net>\r\nDATA\r\n");
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.readReply()).startsWith("550 5.1.1 No such user here");
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.readReply()).startsWith("354");
        client.send("Subject: pipelined\r\n\r\nbody\r\n.\r\nMAIL FROM:<c@example.org>\r\nRCPT TO:<three@example.net>\r\n");
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.readReply()).startsWith("250");
        assertThat(received.next().message().rcptTos()).containsExactly("one@example.net", "two@example.net");
        assertThat(client.command("RSET")).startsWith("250");
        assertThat(client.command("QUIT")).startsWith("221");
    }

    @Test
    void timeSpentWaitingForTheUpstreamDoesNotCountAgainstTheClient() throws Exception {
        start(TestServers.loopback().idleTimeout(Duration.ofMillis(500)));
        RawClient client = waitingForTheUpstream();
        Thread.sleep(1500);
        release.countDown();
        assertThat(client.readReply()).startsWith("250");
        assertThat(client.command("NOOP")).startsWith("250");
    }

    @Test
    void aClientThatHangsUpWhileItsRecipientIsAskedLeavesNoUpstreamConnectionOpen() throws Exception {
        start(TestServers.loopback());
        RawClient client = waitingForTheUpstream();
        client.close();
        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((!upstream.getSessions().isEmpty() || !proxy.getSessions().isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(proxy.getSessions()).isEmpty();
        assertThat(upstream.getSessions()).isEmpty();
    }
}
