package io.github.smtpd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Building, binding, and stopping with a grace period. */
class ServerLifecycleTest extends ServerTestSupport {

    @Test
    void smtputf8AndDecodeDataTogetherAreRefused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SmtpServer.builder().enableSmtpUtf8(true).decodeData(true)
                        .messageProcessor(m -> null).build())
                .withMessageContaining("enableSmtpUtf8").withMessageContaining("decodeData");
    }

    @Test
    void aProcessorIsRequired() {
        assertThatIllegalStateException().isThrownBy(() -> SmtpServer.builder().build())
                .withMessageContaining("messageProcessor");
    }

    @Test
    void badAddressesAreRefusedWithTheExpectedForm() {
        assertThatIllegalArgumentException().isThrownBy(() -> SmtpServer.builder().localAddress("localhost"))
                .withMessageContaining("'localhost'").withMessageContaining("localhost:8025");
        assertThatIllegalArgumentException().isThrownBy(() -> SmtpServer.builder().localAddress("::1:25"))
                .withMessageContaining("[::1]:2525");
        assertThatIllegalArgumentException().isThrownBy(() -> SmtpServer.builder().localAddress("host:99999"))
                .withMessageContaining("65535");
    }

    @Test
    void defaultsAreSmtpds() {
        SmtpServer built = SmtpServer.builder().messageProcessor(m -> null).build();
        assertThat(built.settings().dataSizeLimit()).isEqualTo(33554432L);
        assertThat(built.getLocalAddress().getHostString()).isEqualTo("localhost");
        assertThat(built.getLocalAddress().getPort()).isEqualTo(8025);
        assertThat(built.settings().enableSmtpUtf8()).isFalse();
        assertThat(built.settings().decodeData()).isFalse();
        assertThat(built.settings().hostName()).isNotBlank();
        assertThat(built.settings().idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(built.settings().dataTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(built.settings().maxRecipients()).isEqualTo(1000);
        assertThat(built.settings().maxBadCommands()).isEqualTo(20);
        assertThat(built.settings().lineEndingPolicy()).isEqualTo(LineEndingPolicy.ALLOW);
    }

    @Test
    void portZeroPicksAFreePortAndTheBoundAddressIsReadable() throws IOException {
        server = TestServers.loopback().messageProcessor(new RecordingProcessor()).build();
        server.start();
        assertThat(server.getPort()).isPositive();
        assertThat(server.isRunning()).isTrue();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void listensOnIpv6() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6Loopback(), "no IPv6 loopback on this machine");
        server = SmtpServer.builder().localAddress("[::1]:0").hostName("smtpd.test")
                .messageProcessor(new RecordingProcessor()).build();
        server.start();
        assertThat(server.getLocalAddress().getAddress().getHostAddress()).contains(":");
        try (RawClient client = RawClient.connect(new InetSocketAddress("::1", server.getPort()))) {
            assertThat(client.command("HELO c")).isEqualTo("250 smtpd.test");
        }
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    @Test
    void aTakenPortFailsWithPortInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            SmtpServer second = SmtpServer.builder().localAddress("127.0.0.1:" + taken.getLocalPort())
                    .messageProcessor(m -> null).build();
            assertThatThrownBy(second::start).isInstanceOf(PortInUseException.class)
                    .hasMessage("SMTP server failed to start. Port " + taken.getLocalPort() + " was already in use.");
        }
    }

    @Test
    void aTakenImplicitTlsPortSaysWhichListener() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            SmtpServer second = TestServers.loopback().sslContext(io.github.smtpd.test.TestTls::serverContext)
                    .implicitTlsAddress("127.0.0.1:" + taken.getLocalPort()).messageProcessor(m -> null).build();
            assertThatThrownBy(second::start).isInstanceOf(PortInUseException.class)
                    .hasMessage("SMTP server failed to start. Port " + taken.getLocalPort()
                            + " (implicit TLS) was already in use.")
                    .satisfies((ex) -> assertThat(((PortInUseException) ex).isImplicitTls()).isTrue());
            // The main port, bound first, was let go again.
            assertThat(second.isRunning()).isFalse();
        }
    }

    @Test
    void stopClosesIdleSessionsWith421AtOnce() throws Exception {
        server = TestServers.loopback().messageProcessor(new RecordingProcessor()).build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("HELO c");
            long start = System.nanoTime();
            server.stop(Duration.ofSeconds(30));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            assertThat(client.readReply()).startsWith("421 ");
            assertThat(client.isClosedByServer()).isTrue();
        }
        assertThat(server.isRunning()).isFalse();
    }

    @Test
    void stopLetsATransactionInDataFinishAndAcknowledgesIt() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        server = TestServers.loopback().messageProcessor(processor).build();
        server.start();
        ExecutorService stopper = Executors.newSingleThreadExecutor();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.openData("HELO c", "a@b.example", "c@d.example");
            client.send("Subject: in flight\r\n\r\nfirst half\r\n");
            Future<?> stopping = stopper.submit(() -> server.stop(Duration.ofSeconds(30)));
            awaitNotAccepting();
            client.send("second half\r\n.\r\n");
            assertThat(client.readReply()).isEqualTo("250 OK");
            assertThat(client.readReply()).startsWith("421 ");
            stopping.get(30, TimeUnit.SECONDS);
        }
        finally {
            stopper.shutdownNow();
        }
        assertThat(processor.next().text()).isEqualTo("Subject: in flight\r\n\r\nfirst half\r\nsecond half\r\n");
    }

    @Test
    void afterTheGracePeriodATransactionIsClosedWith421AndNotProcessed() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        server = TestServers.loopback().messageProcessor(processor).build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.openData("HELO c", "a@b.example", "c@d.example");
            client.send("Subject: too slow\r\n");
            server.stop(Duration.ofMillis(200));
            assertThat(client.readReply()).startsWith("421 ");
        }
        assertThat(processor.all()).isEmpty();
    }

    @Test
    void theThreadThatAcceptsIsNotADaemon() throws Exception {
        server = TestServers.loopback().messageProcessor(new RecordingProcessor()).build();
        server.start();
        // The first event loop accepts.
        Thread accept = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("smtpd-loop-" + server.getPort() + "-0")).findFirst().orElseThrow();
        assertThat(accept.isDaemon()).isFalse();
    }

    @Test
    void sessionsRunOnTheGivenExecutor() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        ExecutorService executor = Executors.newCachedThreadPool(task -> new Thread(() -> {
            ran.countDown();
            task.run();
        }, "custom-executor"));
        try {
            RecordingProcessor processor = new RecordingProcessor();
            server = TestServers.loopback().executor(executor).messageProcessor(message -> {
                assertThat(Thread.currentThread().getName()).isEqualTo("custom-executor");
                return processor.process(message);
            }).build();
            server.start();
            try (RawClient client = RawClient.connect(TestServers.address(server))) {
                client.openData("HELO c", "a@b.example", "c@d.example");
                assertThat(client.command("x\r\n.")).isEqualTo("250 OK");
            }
            assertThat(ran.await(1, TimeUnit.SECONDS)).isTrue();
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aStoppedServerCanStartAgain() throws IOException {
        server = TestServers.loopback().messageProcessor(new RecordingProcessor()).build();
        server.start();
        server.stop(Duration.ZERO);
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
    }

    private void awaitNotAccepting() throws InterruptedException {
        for (int i = 0; i < 500 && server.isRunning(); i++) {
            Thread.sleep(10);
        }
    }
}
