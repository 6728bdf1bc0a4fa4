package io.github.smtpd.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two demo gateways in proxy mode behind a real HAProxy with PROXY v2, relaying to a third instance (the upstream,
 * which stores every message it accepts): the real client address reaches what depends on it, and a rolling
 * restart or a crash of one gateway loses no acknowledged message. Clients are bound to 127.0.0.2 (trusted to
 * relay) and 127.0.0.3, 127.0.0.4 (not), so what each gateway sees can only come from the PROXY header.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BehindHaProxyTest {

    private Path work;

    private Gateway upstream;

    private Gateway first;

    private Gateway second;

    private Gateway distrustful;

    private HaProxy haproxy;

    private HaProxy toDistrustful;

    @BeforeAll
    void startTheDeployment() throws Exception {
        Assumptions.assumeTrue(HaProxy.installed(), "needs Debian's haproxy (.ci/run installs it)");
        work = Files.createDirectories(Path.of("target", "behind-haproxy-" + System.nanoTime()).toAbsolutePath());
        upstream = new Gateway("upstream", work).start();
        String[] gateway = { "--spring.profiles.active=proxy", "--smtpd.relay.starttls=disabled",
                "--smtpd.relay.trusted-networks=127.0.0.2/32", "--smtpd.proxy-protocol.trusted-proxies=127.0.0.1/32",
                "--smtpd.max-sessions-per-client=1", "--smtpd.shutdown-grace-period=5s",
                "--management.endpoint.health.group.readiness.include=readinessState,smtpd" };
        first = new Gateway("first", work, with(gateway, "--smtpd.remoteaddr=127.0.0.1:" + upstream.smtpPort)).start();
        second = new Gateway("second", work, with(gateway, "--smtpd.remoteaddr=127.0.0.1:" + upstream.smtpPort)).start();
        // A gateway that trusts another balancer, not this HAProxy.
        distrustful = new Gateway("distrustful", work, "--smtpd.proxy-protocol.trusted-proxies=192.0.2.1/32").start();
        upstream.awaitReady();
        first.awaitReady();
        second.awaitReady();
        distrustful.awaitReady();
        haproxy = HaProxy.inFrontOf(work, "haproxy", List.of(first, second)).start();
        toDistrustful = HaProxy.inFrontOf(work, "haproxy-distrustful", List.of(distrustful)).start();
        // Both gateways in rotation (HAProxy's checks: rise 2 at 200 ms).
        Thread.sleep(1000);
    }

    @AfterAll
    void stopTheDeployment() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] { haproxy, toDistrustful, first, second, distrustful, upstream }) {
            if (part != null) {
                part.close();
            }
        }
    }

    private static String[] with(String[] args, String more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = more;
        return all;
    }

    @Test
    @Order(1)
    void theRealClientAddressReachesTheReceivedHeaderAndTheRelayDecision() throws Exception {
        String subject = "from 127.0.0.2 " + System.nanoTime();
        send("127.0.0.2", subject);
        String relayed = awaitSpooled(upstream, subject);
        // The gateway's own trace line names the client as HAProxy told it, not HAProxy's 127.0.0.1.
        assertThat(relayed).containsPattern("Received: from client\\.example \\(\\[127\\.0\\.0\\.2\\]\\)\\r\\n\\tby (first|second)\\.test");

        // 127.0.0.3 is not in smtpd.relay.trusted-networks: the gateway refuses to relay for it.
        try (Smtp client = Smtp.connect("127.0.0.3", haproxy.port)) {
            assertThat(client.greeting()).startsWith("220 ");
            client.command("EHLO client.example");
            assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<b@example.net>")).startsWith("554 5.7.1");
        }
    }

    @Test
    @Order(2)
    void thePerClientLimitTheSessionListAndTheMetricsSeeTheRealClient() throws Exception {
        // max-sessions-per-client=1 on each gateway: of three sessions from 127.0.0.3 (round robin over two
        // gateways), at least one is refused; 127.0.0.2 is trusted and exempt.
        List<Smtp> sessions = new ArrayList<>();
        try {
            int refused = 0;
            for (int i = 0; i < 3; i++) {
                Smtp client = Smtp.connect("127.0.0.3", haproxy.port);
                sessions.add(client);
                if (client.greeting().startsWith("421 ") && client.greeting().contains("too many connections from your address")) {
                    refused++;
                }
            }
            assertThat(refused).isGreaterThanOrEqualTo(1);
            Smtp held = Smtp.connect("127.0.0.4", haproxy.port);
            sessions.add(held);
            assertThat(held.greeting()).startsWith("220 ");
            String listed = first.get("/actuator/smtpd").body() + second.get("/actuator/smtpd").body();
            assertThat(listed).contains("127.0.0.4").doesNotContain("\"peer\":\"127.0.0.1");
            double perClient = rejected(first) + rejected(second);
            assertThat(perClient).isGreaterThanOrEqualTo(1);
        }
        finally {
            for (Smtp session : sessions) {
                session.close();
            }
        }
    }

    @Test
    @Order(3)
    void aProxyHeaderFromAnUntrustedAddressOrABalancerNotTrustedIsRefused() throws Exception {
        // Straight to a gateway from 127.0.0.5, with a header claiming another client: not a trusted proxy.
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress("127.0.0.5", 0));
            socket.connect(new InetSocketAddress("127.0.0.1", first.smtpPort), 2000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("PROXY TCP4 203.0.113.9 127.0.0.1 4000 25\r\n".getBytes(StandardCharsets.US_ASCII));
            assertClosedWithoutAGreeting(socket);
        }
        // Through HAProxy to a gateway that trusts another balancer only.
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress("127.0.0.2", 0));
            socket.connect(new InetSocketAddress("127.0.0.1", toDistrustful.port), 2000);
            socket.setSoTimeout(10_000);
            assertClosedWithoutAGreeting(socket);
        }
        assertThat(distrustful.log()).contains("not a trusted proxy");
    }

    @Test
    @Order(4)
    void aRollingRestartLosesNoAcknowledgedMessage() throws Exception {
        Stream stream = new Stream(400);
        Future<?> running = stream.start();
        stream.awaitAcknowledged(80);
        // SIGTERM, as a rolling restart sends it: readiness stops answering 200 at once, while the gateway still
        // drains (the process lives on for the grace period), so HAProxy's check takes it out of rotation first.
        Process draining = first.terminateAsync();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        boolean outOfRotation = false;
        while (!outOfRotation && System.nanoTime() < deadline) {
            outOfRotation = first.readinessStatus() != 200;
            Thread.sleep(10);
        }
        assertThat(outOfRotation).as("readiness refused within 5 s of SIGTERM").isTrue();
        draining.waitFor(60, TimeUnit.SECONDS);
        assertThat(stream.acknowledged.size()).isLessThan(400);
        first.start().awaitReady();
        second.terminate();
        second.start().awaitReady();
        running.get(180, TimeUnit.SECONDS);
        assertDelivered(stream);
    }

    @Test
    @Order(5)
    void aCrashOfAGatewayLosesNoAcknowledgedMessage() throws Exception {
        Thread.sleep(1000);
        Stream stream = new Stream(300);
        Future<?> running = stream.start();
        stream.awaitAcknowledged(60);
        // SIGKILL: before-queue, a gateway acknowledges only what the upstream accepted, so a crash loses nothing
        // acknowledged; what it held unacknowledged the client sends again.
        second.kill();
        running.get(180, TimeUnit.SECONDS);
        assertDelivered(stream);
        second.start().awaitReady();
    }

    /** The end of the stream, or a reset when the server closed with the client's header unread. */
    private static void assertClosedWithoutAGreeting(Socket socket) throws IOException {
        try {
            assertThat(socket.getInputStream().read()).as("closed without a greeting").isEqualTo(-1);
        }
        catch (java.net.SocketException ex) {
            assertThat(ex.getMessage()).contains("reset");
        }
    }

    private void assertDelivered(Stream stream) throws Exception {
        assertThat(stream.failed.get()).as("messages never acknowledged after every retry").isZero();
        List<String> spooled = upstream.spooled();
        for (String subject : stream.acknowledged) {
            assertThat(spooled).as("acknowledged and delivered: " + subject).anyMatch((text) -> text.contains(subject));
        }
        System.out.println(stream.acknowledged.size() + " acknowledged, all delivered; " + stream.retries.get()
                + " sends were retried after a 4xx or a lost connection");
    }

    private static double rejected(Gateway gateway) throws Exception {
        String body = gateway.get("/actuator/metrics/smtpd.connections.rejected?tag=reason:per-client").body();
        java.util.regex.Matcher value = java.util.regex.Pattern.compile("\"value\":([0-9.]+)").matcher(body);
        return value.find() ? Double.parseDouble(value.group(1)) : 0;
    }

    private String awaitSpooled(Gateway gateway, String subject) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (String text : gateway.spooled()) {
                if (text.contains(subject)) {
                    return text;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("Not delivered: " + subject);
    }

    private void send(String source, String subject) throws MessagingException {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(haproxy.port));
        properties.put("mail.smtp.localaddress", source);
        properties.put("mail.smtp.localhost", "client.example");
        properties.put("mail.smtp.connectiontimeout", "5000");
        properties.put("mail.smtp.timeout", "30000");
        MimeMessage message = new MimeMessage(Session.getInstance(properties));
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("rcpt@example.net"));
        message.setSubject(subject);
        message.setText("Through HAProxy: " + subject);
        Transport.send(message);
    }

    /**
     * A steady stream of messages from 127.0.0.2 through HAProxy, four at a time, each sent again after a 4xx or a
     * lost connection, as an MTA retries; the subjects of those acknowledged with 250 are kept.
     */
    private final class Stream {

        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();

        final AtomicInteger retries = new AtomicInteger();

        final AtomicInteger failed = new AtomicInteger();

        private final int count;

        private final String run = Long.toString(System.nanoTime(), 36);

        Stream(int count) {
            this.count = count;
        }

        Future<?> start() {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                workers.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < count) {
                        String subject = "stream " + run + " #" + i;
                        boolean sent = false;
                        for (int attempt = 0; attempt < 100 && !sent; attempt++) {
                            try {
                                send("127.0.0.2", subject);
                                sent = true;
                            }
                            catch (MessagingException ex) {
                                retries.incrementAndGet();
                                sleep(100);
                            }
                        }
                        if (sent) {
                            acknowledged.add(subject);
                        }
                        else {
                            failed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            pool.shutdown();
            return new java.util.concurrent.CompletableFuture<Void>() {
                @Override
                public Void get(long timeout, TimeUnit unit) throws java.util.concurrent.ExecutionException,
                        InterruptedException, java.util.concurrent.TimeoutException {
                    for (Future<?> worker : workers) {
                        worker.get(timeout, unit);
                    }
                    return null;
                }
            };
        }

        void awaitAcknowledged(int atLeast) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (acknowledged.size() < atLeast && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A raw SMTP client bound to a source address. */
    private static final class Smtp implements AutoCloseable {

        private final Socket socket;

        private final BufferedReader in;

        private final OutputStream out;

        private final String greeting;

        private Smtp(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            this.out = socket.getOutputStream();
            this.greeting = reply();
        }

        static Smtp connect(String source, int port) throws IOException {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(15_000);
            return new Smtp(socket);
        }

        String greeting() {
            return greeting;
        }

        String command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply();
        }

        private String reply() throws IOException {
            StringBuilder reply = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                reply.append(line).append('\n');
                if (line.length() < 4 || line.charAt(3) != '-') {
                    break;
                }
            }
            return reply.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
