package io.github.smtpd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that send a byte now and then, as in an outside attack run: 1,000 connections from 20 addresses, each
 * sending one byte of {@code NOOP aaaa...} every 3 s and never a line end, kept every other client out, and a client
 * sending a byte every 2 s stayed 21 s with a 5 s timeout. Timeouts measured silence, which every byte reset.
 *
 * <p>The bounds below are generous on purpose (shared, noisy machines): each test fails without the change by
 * never ending, or by a refusal, not by being a little slow.
 */
class SlowClientsTest extends ServerTestSupport {

    private final RecordingProcessor processor = new RecordingProcessor();

    @Test
    void aByteNowAndThenDoesNotHoldACommandLineOpenPastItsDeadline() throws Exception {
        launch(TestServers.loopback().idleTimeout(Duration.ofMillis(1000)).messageProcessor(processor));
        try (Socket socket = connect("127.0.0.1")) {
            assertThat(firstLine(socket)).startsWith("220 ");
            long start = System.nanoTime();
            // Before the change this client was never timed out: a byte every 200 ms is never 1 s of silence.
            String reply = trickleUntilAnswered(socket, "NOOP " + "a".repeat(200), Duration.ofMillis(200),
                    Duration.ofSeconds(20));
            assertThat(reply).isEqualTo("421 smtpd.test Error: timeout exceeded");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
    }

    @Test
    void insideDataTheDeadlineGrowsOnlyWithTheMinimumDataRate() throws Exception {
        launch(TestServers.loopback().dataTimeout(Duration.ofMillis(1000)).minDataRate(500).messageProcessor(processor));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.openData("HELO c", "a@b.example", "c@d.example")).startsWith("354");
            // 5 bytes a second earn 10 ms a second at 500 bytes/s: far behind the clock.
            String reply = trickleUntilAnswered(client.socket(), "x".repeat(400), Duration.ofMillis(200),
                    Duration.ofSeconds(20));
            assertThat(reply).isEqualTo("421 smtpd.test Error: timeout exceeded");
        }
        assertThat(processor.all()).isEmpty();
    }

    @Test
    void aClientAboveTheMinimumDataRateMayTakeLongerThanTheDataTimeout() throws Exception {
        launch(TestServers.loopback().dataTimeout(Duration.ofMillis(1000)).minDataRate(500).messageProcessor(processor));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.openData("HELO c", "a@b.example", "c@d.example")).startsWith("354");
            // 2 s at about 10 KB/s: twice the data timeout, but each byte earns 2 ms, so the deadline keeps ahead.
            String line = "y".repeat(98) + "\r\n";
            for (int i = 0; i < 20; i++) {
                client.send(line.repeat(10));
                Thread.sleep(100);
            }
            assertThat(client.command(".")).isEqualTo("250 OK");
        }
        assertThat(processor.next().content()).hasSize(20 * 10 * 100);
    }

    @Test
    void aTlsHandshakeTrickledAByteAtATimeIsCutOff() throws Exception {
        // The handshake reads outside the command input, where each read used to reset its timeout.
        launch(TestServers.loopback().idleTimeout(Duration.ofMillis(1000))
            .sslContext(io.github.smtpd.test.TestTls::serverContext).messageProcessor(processor));
        try (Socket socket = connect("127.0.0.1")) {
            BufferedReader in = reader(socket);
            assertThat(in.readLine()).startsWith("220 ");
            socket.getOutputStream().write("EHLO c\r\nSTARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            while (!in.readLine().startsWith("220 ")) {
                // the EHLO reply, then STARTTLS's 220
            }
            // A TLS record header, then nothing but a byte every 200 ms: never a whole ClientHello.
            long start = System.nanoTime();
            socket.setSoTimeout(200);
            boolean closed = false;
            byte[] hello = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03 };
            for (int i = 0; !closed && System.nanoTime() - start < Duration.ofSeconds(20).toNanos(); i++) {
                try {
                    socket.getOutputStream().write(hello[Math.min(i, hello.length - 1)]);
                    closed = socket.getInputStream().read() < 0;
                }
                catch (java.net.SocketTimeoutException ex) {
                    // still open
                }
                catch (IOException ex) {
                    closed = true;
                }
            }
            assertThat(closed).as("closed by the server").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
    }

    @Test
    void trustedClientsAreNeverShedForANewcomer() throws Exception {
        // Trusted networks are exempt from the per-client cap; a local application's idle pooled connections are
        // not the flood, so a newcomer is refused rather than one of them closed.
        launch(TestServers.loopback().maxSessions(3).idleTimeout(Duration.ofMinutes(2))
            .stressTimeout(Duration.ofMinutes(1)).clientLimitExceptions(List.of(Cidr.parse("127.0.0.1/32")))
            .messageProcessor(processor));
        List<Socket> pooled = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket socket = connect("127.0.0.1");
                assertThat(firstLine(socket)).startsWith("220 ");
                socket.getOutputStream().write('N');
                pooled.add(socket);
            }
            Thread.sleep(1500);
            try (Socket newcomer = connect("127.0.0.2")) {
                assertThat(firstLine(newcomer)).startsWith("421 ");
            }
        }
        finally {
            for (Socket socket : pooled) {
                socket.close();
            }
        }
    }

    @Test
    void underStressTheShorterTimeoutApplies() throws Exception {
        // 3 of 4 sessions is stress; an idle client then has the stress timeout instead of a minute.
        launch(TestServers.loopback().maxSessions(4).idleTimeout(Duration.ofMinutes(1))
            .stressTimeout(Duration.ofMillis(500)).messageProcessor(processor));
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket socket = connect("127.0.0.1");
                assertThat(firstLine(socket)).startsWith("220 ");
                clients.add(socket);
            }
            // Read with a bound: without the stress timeout the 421 comes only after a minute. Only the first is
            // certain: once a session has gone, the others may no longer be under stress.
            clients.get(0).setSoTimeout(15_000);
            assertThat(firstLine(clients.get(0))).isEqualTo("421 smtpd.test Error: timeout exceeded");
        }
        finally {
            for (Socket socket : clients) {
                socket.close();
            }
        }
        try (RawClient fresh = RawClient.connect(TestServers.address(server))) {
            assertThat(fresh.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void aSlowFloodThatFillsTheServerCannotKeepAnotherClientOut() throws Exception {
        // The attack of the outside run, scaled down: 8 addresses x 5 connections fill all 40 sessions, each
        // sends a byte of "NOOP aaaa..." every 300 ms and reconnects whenever the server drops it. The timeouts are
        // long, so no deadline frees a slot by itself during the test: only shedding can let the client in.
        launch(TestServers.loopback().maxSessions(40).maxSessionsPerClient(50).idleTimeout(Duration.ofMinutes(2))
            .stressTimeout(Duration.ofMinutes(1)).messageProcessor(processor));
        clientGetsThroughThe(new Flood(8, 5, Duration.ofMillis(300)));
    }

    @Test
    void theOutsideRunsSlowFloodAtFullSizeCannotKeepAnotherClientOut() throws Exception {
        // As it was run: 1,000 connections from 20 addresses (127.0.1.10-29, 50 each, the default per-client cap),
        // a byte every 3 s, against the default session limit of 1,000 and timeouts long enough not to help.
        long descriptors = ((com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory
            .getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        org.junit.jupiter.api.Assumptions.assumeTrue(descriptors >= 4096,
                "needs 2,000 sockets in this JVM; raise ulimit -n (now " + descriptors + ")");
        launch(TestServers.loopback().maxSessions(1000).maxSessionsPerClient(50).idleTimeout(Duration.ofMinutes(2))
            .stressTimeout(Duration.ofMinutes(1)).messageProcessor(processor));
        clientGetsThroughThe(new Flood(20, 50, Duration.ofSeconds(3)));
    }

    private void clientGetsThroughThe(Flood started) throws Exception {
        AtomicInteger shed = started.shed;
        try (Flood flood = started) {
            flood.awaitFull(server);
            // A session is shed only once it has stalled for a second.
            Thread.sleep(1500);
            for (int i = 0; i < 3; i++) {
                try (Socket socket = connect("127.0.0.1")) {
                    long start = System.nanoTime();
                    assertThat(firstLine(socket)).startsWith("220 ");
                    long greetedMillis = (System.nanoTime() - start) / 1_000_000;
                    System.out.println("Greeted during the flood in " + greetedMillis + " ms");
                    OutputStream out = socket.getOutputStream();
                    BufferedReader in = reader(socket);
                    out.write(("HELO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).startsWith("250");
                    assertThat(in.readLine()).startsWith("250");
                    assertThat(in.readLine()).startsWith("250");
                    assertThat(in.readLine()).startsWith("354");
                    out.write("Subject: through\r\n\r\ndelivered\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).isEqualTo("250 OK");
                }
                assertThat(processor.next().text()).contains("delivered");
                Thread.sleep(1200);
            }
            // The flood's own reconnections were refused, not traded for each other: only the client's three
            // arrivals shed a session (the flood may not have read every 421 yet).
            assertThat(shed.get()).isBetween(1, 6);
            // A newcomer from a flooding address is refused rather than taking a slot from its peers, once the
            // flood has filled the server again.
            flood.awaitFull(server);
            try (Socket socket = connect("127.0.1.10")) {
                assertThat(firstLine(socket)).startsWith("421 ");
            }
        }
    }

    /** Sends {@code text} a byte at a time until the server answers; returns the answer. */
    private static String trickleUntilAnswered(Socket socket, String text, Duration every, Duration atMost)
            throws Exception {
        socket.setSoTimeout((int) every.toMillis());
        BufferedReader in = reader(socket);
        long deadline = System.nanoTime() + atMost.toNanos();
        int sent = 0;
        while (System.nanoTime() < deadline) {
            if (sent < text.length()) {
                try {
                    socket.getOutputStream().write(text.charAt(sent++));
                    socket.getOutputStream().flush();
                }
                catch (IOException ex) {
                    // The server closed: its reply is in the input.
                }
            }
            try {
                String line = in.readLine();
                return line == null ? "closed without a reply" : line;
            }
            catch (java.net.SocketTimeoutException ex) {
                // Nothing yet: another byte.
            }
        }
        return "no answer within " + atMost;
    }

    private Socket connect(String source) throws IOException {
        return TestServers.connectFrom(server, source);
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
    }

    private static String firstLine(Socket socket) throws IOException {
        return TestServers.firstLine(socket);
    }

    /**
     * The slow flood: {@code perAddress} connections from each of {@code addresses} addresses from 127.0.1.10 on,
     * one thread sending each a byte every {@code every} and replacing every connection the server drops, counting
     * the 421s of shedding. Bounded: it stops when closed.
     */
    private final class Flood implements AutoCloseable {

        private final Socket[] sockets;

        private final int perAddress;

        private final Duration every;

        private final AtomicBoolean running = new AtomicBoolean(true);

        final AtomicInteger shed = new AtomicInteger();

        private final Thread thread;

        Flood(int addresses, int perAddress, Duration every) throws IOException {
            this.sockets = new Socket[addresses * perAddress];
            this.perAddress = perAddress;
            this.every = every;
            for (int i = 0; i < sockets.length; i++) {
                sockets[i] = open(i);
            }
            thread = new Thread(this::run, "slow-flood");
            thread.setDaemon(true);
            thread.start();
        }

        private Socket open(int i) throws IOException {
            Socket socket = connect("127.0.1." + (10 + i / perAddress));
            socket.setSoTimeout(1);
            return socket;
        }

        void awaitFull(SmtpServer server) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline
                    && server.getSessions().size() < sockets.length) {
                Thread.sleep(20);
            }
            assertThat(server.getSessions()).hasSize(sockets.length);
        }

        private void run() {
            byte[] noop = ("NOOP " + "a".repeat(10_000)).getBytes(StandardCharsets.US_ASCII);
            int[] sent = new int[sockets.length];
            byte[] sink = new byte[1024];
            while (running.get()) {
                for (int i = 0; i < sockets.length && running.get(); i++) {
                    try {
                        if (hasBeenDropped(sockets[i], sink)) {
                            sockets[i].close();
                            sockets[i] = open(i);
                            sent[i] = 0;
                            continue;
                        }
                        sockets[i].getOutputStream().write(noop[Math.min(sent[i]++, noop.length - 1)]);
                    }
                    catch (IOException ex) {
                        try {
                            sockets[i].close();
                            sockets[i] = open(i);
                        }
                        catch (IOException again) {
                            // Refused for now: try again on the next round.
                        }
                    }
                }
                try {
                    Thread.sleep(every.toMillis());
                }
                catch (InterruptedException ex) {
                    return;
                }
            }
        }

        /** Reads what the server sent; a 421 for shedding is counted. */
        private boolean hasBeenDropped(Socket socket, byte[] sink) throws IOException {
            try {
                int read = socket.getInputStream().read(sink);
                if (read < 0) {
                    return true;
                }
                if (new String(sink, 0, read, StandardCharsets.US_ASCII).contains("least progress")) {
                    shed.incrementAndGet();
                }
                return false;
            }
            catch (java.net.SocketTimeoutException ex) {
                return false;
            }
        }

        @Override
        public void close() throws InterruptedException, IOException {
            running.set(false);
            thread.join(5000);
            for (Socket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }
}
