package io.github.smtpd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * AUTH on the event loop: its exchange waits for the client's lines as commands do, the authenticator runs on
 * the executor, and neither a slow authenticator nor the delay after a failure holds the loop.
 */
class AuthOnTheEventLoopTest extends ServerTestSupport {

    private final Queue<String> threads = new ConcurrentLinkedQueue<>();

    private final SmtpServerListener listener = new SmtpServerListener() {
        @Override
        public void commandCompleted(SmtpSession session, String verb, Reply reply) {
            threads.add(verb + " " + reply.code() + " " + Thread.currentThread().getName());
        }
    };

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private SmtpServer start(SmtpServer.Builder builder, SmtpAuthenticator authenticator) {
        return launch(builder.eventLoops(1).authenticator(authenticator).allowPlaintextAuth(true).listener(listener)
            .messageProcessor((message) -> null));
    }

    @Test
    void authenticatedSessionsStayOnTheLoopAndTheAuthenticatorRunsOffIt() throws Exception {
        Queue<String> authenticatorThreads = new ConcurrentLinkedQueue<>();
        start(TestServers.loopback(), (session, user, password) -> {
            authenticatorThreads.add(Thread.currentThread().getName());
            return "wonderland".equals(password) ? user : null;
        });
        try (RawClient client = connect()) {
            client.command("EHLO c");
            assertThat(client.command("AUTH LOGIN")).isEqualTo("334 VXNlcm5hbWU6");
            assertThat(client.command(b64("alice"))).isEqualTo("334 UGFzc3dvcmQ6");
            assertThat(client.command(b64("wonderland"))).isEqualTo("235 2.7.0 Authentication successful");
            assertThat(client.command("MAIL FROM:<alice@example.org>")).isEqualTo("250 2.1.0 OK");
        }
        assertThat(threads).containsExactly("EHLO 250 smtpd-loop-" + server.getPort() + "-0",
                "AUTH 235 smtpd-loop-" + server.getPort() + "-0", "MAIL 250 smtpd-loop-" + server.getPort() + "-0");
        assertThat(authenticatorThreads).singleElement().asString().doesNotStartWith("smtpd-loop-");
    }

    @Test
    void aBlockedAuthenticatorLeavesTheLoopToOtherSessions() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch asked = new CountDownLatch(1);
        start(TestServers.loopback(), (session, user, password) -> {
            asked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return user;
        });
        try (RawClient waiting = connect(); RawClient other = connect()) {
            waiting.command("EHLO c");
            waiting.send("AUTH PLAIN " + b64("\0alice\0secret") + "\r\n");
            assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
            // One loop serves both sessions: it answers the other one while the authenticator blocks.
            assertThat(other.command("EHLO c")).endsWith("250 HELP");
            assertThat(other.command("NOOP")).isEqualTo("250 2.0.0 OK");
            release.countDown();
            assertThat(waiting.readReply()).isEqualTo("235 2.7.0 Authentication successful");
        }
    }

    @Test
    void theDelayAfterAFailureHoldsNeitherTheLoopNorTheSession() throws Exception {
        start(TestServers.loopback().authFailureDelay(Duration.ofSeconds(2)), (session, user, password) -> null);
        try (RawClient failing = connect(); RawClient other = connect()) {
            failing.command("EHLO c");
            failing.send("AUTH PLAIN " + b64("\0alice\0guess") + "\r\n");
            assertThat(other.command("EHLO c")).endsWith("250 HELP");
            assertThat(other.command("NOOP")).isEqualTo("250 2.0.0 OK");
            // The 535 comes after the delay; the session goes on after it.
            assertThat(failing.readReply()).isEqualTo("535 5.7.8 Error: authentication failed");
            assertThat(failing.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
    }

    @Test
    void theAnswerToAChallengeIsNeverRunAsACommand() throws Exception {
        start(TestServers.loopback(), (session, user, password) -> "secret".equals(password) ? user : null);
        try (RawClient client = connect()) {
            client.command("EHLO c");
            // "NOOP" is valid base64 for three bytes, but no PLAIN response.
            client.send("AUTH PLAIN\r\nNOOP\r\n");
            assertThat(client.readReply()).isEqualTo("334 ");
            assertThat(client.readReply()).isEqualTo("501 5.5.2 Error: malformed PLAIN response");
            // The whole exchange pipelined in one packet, and a command behind it.
            client.send("AUTH PLAIN\r\n" + b64("\0alice\0secret") + "\r\nMAIL FROM:<alice@example.org>\r\n");
            assertThat(client.readReply()).isEqualTo("334 ");
            assertThat(client.readReply()).isEqualTo("235 2.7.0 Authentication successful");
            assertThat(client.readReply()).isEqualTo("250 2.1.0 OK");
        }
        assertThat(threads).noneMatch((command) -> command.startsWith("NOOP"));
    }

    @Test
    void anAnswerLongerThanTheLimitIsRefusedAndTheSessionGoesOn() throws Exception {
        start(TestServers.loopback(), (session, user, password) -> user);
        try (RawClient client = connect()) {
            client.command("EHLO c");
            assertThat(client.command("AUTH LOGIN")).startsWith("334 ");
            assertThat(client.command("A".repeat(12289))).isEqualTo("500 5.5.6 Error: authentication exchange line too long");
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
    }

    @Test
    void aSessionWhoseCustomCommandRanOnTheExecutorAuthenticatesOnItsLoop() throws Exception {
        start(TestServers.loopback().command("XWHO", (session, argument) -> session.reply(Reply.of(250, "you"))),
                (session, user, password) -> "secret".equals(password) ? user : null);
        try (RawClient client = connect()) {
            client.command("EHLO c");
            // A custom command: it runs on the executor, and the session goes on on its loop.
            assertThat(client.command("XWHO")).endsWith("you");
            assertThat(client.command("AUTH LOGIN")).startsWith("334 ");
            assertThat(client.command(b64("alice"))).startsWith("334 ");
            assertThat(client.command(b64("secret"))).isEqualTo("235 2.7.0 Authentication successful");
        }
        assertThat(threads).filteredOn((command) -> command.startsWith("AUTH")).singleElement().asString()
            .contains(" smtpd-loop-");
    }

    @Test
    void anAuthenticatorThatThrowsAnErrorIsATemporaryFailureNotCountedAgainstTheClient() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        start(TestServers.loopback().authFailureLimit(1, Duration.ofMinutes(10)), (session, user, password) -> {
            if (calls.incrementAndGet() == 1) {
                throw new AssertionError("a broken directory library");
            }
            return user;
        });
        try (RawClient client = connect()) {
            client.command("EHLO c");
            assertThat(client.command("AUTH PLAIN " + b64("\0alice\0secret")))
                .isEqualTo("454 4.7.0 Temporary authentication failure");
            // Had the failure counted, this client would now be over its limit of one.
            assertThat(client.command("AUTH PLAIN " + b64("\0alice\0secret")))
                .isEqualTo("235 2.7.0 Authentication successful");
        }
    }

    @Test
    void authInsideACommandOfTheApplicationsNeedsNoSecondThread() throws Exception {
        java.util.concurrent.ExecutorService oneThread = java.util.concurrent.Executors.newFixedThreadPool(1);
        try {
            SmtpCommand auth = SmtpCommands.builtin("AUTH");
            start(TestServers.loopback().executor(oneThread).command("XAUTH", auth::execute),
                    (session, user, password) -> "secret".equals(password) ? user : null);
            try (RawClient client = connect()) {
                client.command("EHLO c");
                // The command holds the pool's only thread; the authenticator must not wait for another one.
                assertThat(client.command("XAUTH PLAIN " + b64("\0alice\0secret")))
                    .isEqualTo("235 2.7.0 Authentication successful");
            }
        }
        finally {
            oneThread.shutdownNow();
        }
    }

    @Test
    void noThreadForTheAuthenticatorIsATemporaryFailure() throws Exception {
        start(TestServers.loopback().executor((task) -> {
            throw new RejectedExecutionException("full");
        }), (session, user, password) -> user);
        try (RawClient client = connect()) {
            client.command("EHLO c");
            assertThat(client.command("AUTH PLAIN " + b64("\0alice\0secret")))
                .isEqualTo("454 4.7.0 Temporary authentication failure");
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
    }
}
