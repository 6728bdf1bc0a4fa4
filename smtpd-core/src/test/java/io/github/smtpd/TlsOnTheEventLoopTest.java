package io.github.smtpd;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

import io.github.smtpd.test.EngineClient;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import io.github.smtpd.test.TestTls;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS driven by the event loops through an SSLEngine: STARTTLS and implicit TLS keep their sessions on the loop,
 * failures end only their session, and what TLS must never let through does not get through.
 */
class TlsOnTheEventLoopTest extends ServerTestSupport {

    private final RecordingProcessor processor = new RecordingProcessor();

    /** What the listener heard: handshake outcomes, and each completed command with the thread it ran on. */
    private final AtomicInteger handshakesOk = new AtomicInteger();

    private final AtomicInteger handshakesFailed = new AtomicInteger();

    private final Queue<String> commands = new ConcurrentLinkedQueue<>();

    private final SmtpServerListener listener = new SmtpServerListener() {
        @Override
        public void tlsHandshake(SmtpSession session, boolean success) {
            (success ? handshakesOk : handshakesFailed).incrementAndGet();
        }

        @Override
        public void commandCompleted(SmtpSession session, String verb, Reply reply) {
            commands.add(verb + " " + Thread.currentThread().getName());
        }
    };

    private SmtpServer start(SmtpServer.Builder builder) {
        return launch(builder.sslContext(TestTls::serverContext).messageProcessor(processor).listener(listener));
    }

    private static void eventually(String what, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Not within 20 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private RawClient startTls() throws Exception {
        RawClient client = connect();
        client.command("EHLO c");
        assertThat(client.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
        return client;
    }

    @Test
    void startTlsSessionsStayOnTheLoop() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = startTls()) {
            client.startTls(TestTls.clientSocketFactory());
            assertThat(client.command("EHLO c")).endsWith("250 HELP");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 2.1.0 OK");
        }
        assertThat(handshakesOk).hasValue(1);
        assertThat(commands).contains("STARTTLS smtpd-loop-" + server.getPort() + "-0")
                .allMatch((command) -> command.contains(" smtpd-loop-"));
    }

    @Test
    void commandsPipelinedBehindStartTlsInItsPacketNeverRun() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = connect()) {
            client.command("EHLO c");
            // CVE-2011-0411: one packet, read in one go with the STARTTLS line.
            client.send("STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\nRCPT TO:<victim@example.org>\r\n");
            assertThat(client.readReply()).isEqualTo("220 2.0.0 Ready to start TLS");
            client.startTls(TestTls.clientSocketFactory());
            client.command("EHLO c");
            assertThat(client.command("RCPT TO:<victim@example.org>")).isEqualTo("503 5.5.1 Error: need MAIL command");
        }
        assertThat(commands).noneMatch((command) -> command.startsWith("MAIL"));
    }

    @Test
    void aSessionWhoseCustomCommandRanOnTheExecutorStartsTlsOnItsLoop() throws Exception {
        start(TestServers.loopback().command("XWHO", (session, argument) -> session.reply(Reply.of(250, "you"))));
        try (RawClient client = connect()) {
            client.command("EHLO c");
            // A custom command: it runs on the executor, and the session goes on on its loop.
            assertThat(client.command("XWHO")).endsWith("you");
            assertThat(client.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
            client.startTls(TestTls.clientSocketFactory());
            client.command("EHLO c");
            assertThat(client.command("XWHO")).endsWith("you");
            client.command("MAIL FROM:<a@b.example>");
            client.command("RCPT TO:<c@d.example>");
            client.command("DATA");
            assertThat(client.command("over TLS\r\n.")).isEqualTo("250 2.0.0 OK");
        }
        assertThat(processor.next().message().session().isSecure()).isTrue();
        assertThat(handshakesOk).hasValue(1);
    }

    @Test
    void aHandshakeWithAProtocolTheServerDisabledFailsAndOnlyThatSessionEnds() throws Exception {
        start(TestServers.loopback().tlsProtocols(List.of("TLSv1.3")));
        try (RawClient client = startTls()) {
            assertThatThrownBy(() -> {
                SSLSocket ssl = (SSLSocket) TestTls.clientSocketFactory().createSocket(client.socket(), "localhost",
                        server.getPort(), true);
                ssl.setEnabledProtocols(new String[] { "TLSv1.2" });
                ssl.startHandshake();
            }).isInstanceOf(java.io.IOException.class);
        }
        eventually("the failure is counted", () -> handshakesFailed.get() == 1);
        eventually("the session is gone", () -> server.getSessions().isEmpty());
        try (RawClient other = connect()) {
            assertThat(other.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void plainTextAfterStartTlsEndsTheSession() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = startTls()) {
            client.send("EHLO not a client hello\r\n");
            // The server's alert, then the end.
            byte[] rest = new byte[1024];
            while (client.socket().getInputStream().read(rest) >= 0) {
                assertThat(new String(rest, StandardCharsets.ISO_8859_1)).doesNotStartWith("250");
            }
        }
        eventually("the failure is counted", () -> handshakesFailed.get() == 1);
    }

    @Test
    void aHandshakeThatNeverFinishesIsCutOffByTheDeadline() throws Exception {
        start(TestServers.loopback().idleTimeout(Duration.ofSeconds(1)));
        try (RawClient client = startTls(); EngineClient tls = new EngineClient(client.socket())) {
            byte[] hello = tls.hello();
            // Half a client hello, then silence.
            client.send(java.util.Arrays.copyOf(hello, hello.length / 2));
            assertThat(tls.isClosedByServer()).isTrue();
        }
        eventually("the session is gone", () -> server.getSessions().isEmpty());
    }

    @Test
    void aClientThatDoesNotReadTheServerHelloIsClosedWithoutHoldingAThread() throws Exception {
        start(TestServers.loopback().idleTimeout(Duration.ofSeconds(1)));
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(1024);
            socket.connect(TestServers.address(server), 5000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write("EHLO c\r\nSTARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(200);
            EngineClient tls = new EngineClient(socket);
            // The greeting, EHLO and 220 are left unread in the socket too; then the hello, and no more reading.
            tls.send(tls.hello());
            eventually("the session is gone", () -> server.getSessions().isEmpty());
        }
        assertThat(commands).allMatch((command) -> command.contains(" smtpd-loop-"));
    }

    @Test
    void dataAfterTheClientsCloseNotifyIsNotExecuted() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = startTls(); EngineClient tls = new EngineClient(client.socket())) {
            tls.handshake();
            assertThat(tls.command("EHLO c")).isEqualTo("250 HELP");
            ByteArrayOutputStream packet = new ByteArrayOutputStream();
            packet.write(tls.record("NOOP"));
            byte[] after = tls.record("MAIL FROM:<after@close.example>");
            packet.write(tls.closeNotify());
            packet.write(after);
            tls.send(packet.toByteArray());
            assertThat(tls.isClosedByServer()).isTrue();
        }
        eventually("the session is gone", () -> server.getSessions().isEmpty());
        assertThat(commands).anyMatch((command) -> command.startsWith("NOOP"))
                .noneMatch((command) -> command.startsWith("MAIL"));
    }

    /** An SSLSocket over the STARTTLS connection, limited to one protocol, its handshake done, EHLO said. */
    private SSLSocket tlsOver(RawClient client, String protocol) throws Exception {
        SSLSocket ssl = (SSLSocket) TestTls.clientSocketFactory().createSocket(client.socket(), "localhost",
                server.getPort(), true);
        ssl.setEnabledProtocols(new String[] { protocol });
        ssl.setSoTimeout(20_000);
        ssl.startHandshake();
        assertThat(ssl.getSession().getProtocol()).isEqualTo(protocol);
        assertThat(tlsCommand(ssl, "EHLO c")).startsWith("250");
        return ssl;
    }

    /** Sends a command over TLS and returns the last line of its reply. */
    private static String tlsCommand(SSLSocket ssl, String command) throws Exception {
        ssl.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        ssl.getOutputStream().flush();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = ssl.getInputStream().read()) >= 0) {
            if (c == '\n') {
                if (line.length() > 3 && line.charAt(3) == '-') {
                    line.setLength(0);
                    continue;
                }
                return line.toString().strip();
            }
            line.append((char) c);
        }
        throw new java.io.EOFException("closed after " + line);
    }

    @Test
    void tls13KeyUpdatesFromTheClientLeaveTheSessionWorking() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = startTls()) {
            SSLSocket ssl = tlsOver(client, "TLSv1.3");
            // On an established TLS 1.3 connection the JDK sends a KeyUpdate that asks for the server's in turn.
            ssl.startHandshake();
            assertThat(tlsCommand(ssl, "NOOP")).isEqualTo("250 2.0.0 OK");
            ssl.startHandshake();
            assertThat(tlsCommand(ssl, "MAIL FROM:<a@b.example>")).startsWith("250");
            assertThat(tlsCommand(ssl, "RCPT TO:<c@d.example>")).startsWith("250");
            assertThat(tlsCommand(ssl, "DATA")).startsWith("354");
            ssl.getOutputStream()
                    .write("Subject: key updates\r\n\r\nbefore the third\r\n".getBytes(StandardCharsets.US_ASCII));
            ssl.getOutputStream().flush();
            // And one in the middle of the message's data.
            ssl.startHandshake();
            assertThat(tlsCommand(ssl, "after the third\r\n.")).startsWith("250");
            assertThat(tlsCommand(ssl, "NOOP")).isEqualTo("250 2.0.0 OK");
        }
        assertThat(processor.next().text()).contains("before the third\r\nafter the third\r\n");
        assertThat(handshakesOk.get()).isEqualTo(1);
    }

    @Test
    void aTls12RenegotiationEndsOnlyThatSession() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = startTls()) {
            SSLSocket ssl = tlsOver(client, "TLSv1.2");
            assertThatThrownBy(() -> {
                // A client-initiated renegotiation: a full handshake's work for the server, of no use to SMTP.
                ssl.startHandshake();
                tlsCommand(ssl, "NOOP");
            }).isInstanceOf(java.io.IOException.class);
        }
        eventually("the session is gone", () -> server.getSessions().isEmpty());
        assertThat(commands).noneMatch((command) -> command.startsWith("NOOP"));
        try (RawClient other = startTls()) {
            SSLSocket ssl = tlsOver(other, "TLSv1.2");
            assertThat(tlsCommand(ssl, "NOOP")).isEqualTo("250 2.0.0 OK");
        }
    }

    @Test
    void theReceivedHeaderNamesTls() throws Exception {
        start(TestServers.loopback().receivedHeader(true));
        try (RawClient client = startTls()) {
            client.startTls(TestTls.clientSocketFactory());
            client.command("EHLO c");
            client.command("MAIL FROM:<a@b.example>");
            client.command("RCPT TO:<c@d.example>");
            client.command("DATA");
            assertThat(client.command("Subject: s\r\n\r\nbody\r\n.")).isEqualTo("250 2.0.0 OK");
        }
        RecordingProcessor.Received received = processor.next();
        assertThat(received.text()).startsWith("Received: from c").contains("with ESMTPS");
        assertThat(received.message().session().tlsCipher()).startsWith("TLS_");
    }

    @Test
    void aRequiredClientCertificateIsAskedForAndChecked() throws Exception {
        launch(TestServers.loopback().sslContext(TestTls::mutualContext).tlsClientAuth(TlsClientAuth.NEED)
                .messageProcessor(processor).listener(listener));
        try (RawClient client = startTls()) {
            client.startTls(TestTls.mutualContext().getSocketFactory());
            assertThat(client.command("EHLO c")).endsWith("250 HELP");
            assertThat(((SSLSocket) client.socket()).getSession().getLocalCertificates()).hasSize(1);
        }
        try (RawClient client = startTls()) {
            // Without a certificate: the handshake (or, in TLS 1.3, the first read after it) fails.
            assertThatThrownBy(() -> {
                client.startTls(TestTls.clientSocketFactory());
                if (client.command("EHLO c") == null) {
                    throw new java.io.IOException("closed");
                }
            }).isInstanceOf(java.io.IOException.class);
        }
        eventually("one handshake failed", () -> handshakesFailed.get() == 1);
        assertThat(handshakesOk).hasValue(1);
    }

    /** Delegates to {@code test}, but the first {@code blocked} checks of a client's certificate wait for {@code release}. */
    private static X509ExtendedTrustManager waitingTrust(X509ExtendedTrustManager test, AtomicInteger checks,
            int blocked, CountDownLatch release) {
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                if (checks.incrementAndGet() <= blocked) {
                    try {
                        // Like a trust manager waiting for an OCSP responder that does not answer.
                        release.await();
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        throw new CertificateException("interrupted", ex);
                    }
                }
                test.checkClientTrusted(chain, authType, engine);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                test.checkClientTrusted(chain, authType, socket);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                test.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                test.checkServerTrusted(chain, authType, engine);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                test.checkServerTrusted(chain, authType, socket);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                test.checkServerTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return test.getAcceptedIssuers();
            }
        };
    }

    @Test
    void aTrustManagerThatBlocksHoldsOnlyItsOwnHandshakesOnATlsTaskExecutorOfTheApplications() throws Exception {
        // As many blocked checks as the shared pool has threads: on that pool, nothing else could be checked.
        int blocked = Math.max(2, Runtime.getRuntime().availableProcessors());
        AtomicInteger checks = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        SSLContext context = TestTls.mutualContext((test) -> waitingTrust(test, checks, blocked, release));
        ExecutorService tasks = Executors.newCachedThreadPool();
        List<RawClient> waiting = new ArrayList<>();
        try {
            launch(TestServers.loopback().sslContext(() -> context).tlsClientAuth(TlsClientAuth.NEED)
                    .tlsTaskExecutor(tasks).messageProcessor(processor).listener(listener));
            for (int i = 0; i < blocked; i++) {
                // The client's TLS 1.3 handshake ends before the server has checked its certificate.
                waiting.add(startTls().startTls(TestTls.mutualContext().getSocketFactory()));
            }
            eventually("every blocked check has begun", () -> checks.get() == blocked);
            try (RawClient client = startTls()) {
                client.startTls(TestTls.mutualContext().getSocketFactory());
                assertThat(client.command("EHLO c")).endsWith("250 HELP");
            }
            assertThat(handshakesOk).hasValue(1);
            release.countDown();
            for (RawClient client : waiting) {
                assertThat(client.command("EHLO c")).endsWith("250 HELP");
            }
            assertThat(handshakesOk).hasValue(blocked + 1);
        }
        finally {
            release.countDown();
            for (RawClient client : waiting) {
                client.close();
            }
            tasks.shutdownNow();
        }
    }

    @Test
    void aStopEndsASessionInTheMiddleOfItsHandshake() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = startTls(); EngineClient tls = new EngineClient(client.socket())) {
            byte[] hello = tls.hello();
            client.send(java.util.Arrays.copyOf(hello, hello.length / 2));
            server.stop(Duration.ofSeconds(1));
            assertThat(tls.isClosedByServer()).isTrue();
        }
        assertThat(server.getSessions()).isEmpty();
    }

    @Test
    void idleStartTlsSessionsHoldNoThreads() throws Exception {
        start(TestServers.loopback().maxSessionsPerClient(0));
        int before = ManagementFactory.getThreadMXBean().getThreadCount();
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                RawClient client = startTls();
                clients.add(client);
                client.startTls(TestTls.clientSocketFactory());
                assertThat(client.command("EHLO c")).endsWith("250 HELP");
            }
            assertThat(server.getSessions()).hasSize(200);
            // The executor keeps a few threads from the handshakes' work; a thread per session would be 200.
            assertThat(ManagementFactory.getThreadMXBean().getThreadCount()).isLessThan(before + 50);
        }
        finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void implicitTlsRunsOnTheLoop() throws Exception {
        start(TestServers.loopback().implicitTlsAddress("127.0.0.1:0"));
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(server.getImplicitTlsAddress().getPort()));
        properties.put("mail.smtp.ssl.enable", "true");
        properties.put("mail.smtp.ssl.socketFactory", TestTls.clientSocketFactory());
        MimeMessage mail = new MimeMessage(jakarta.mail.Session.getInstance(properties));
        mail.setFrom("alice@example.org");
        mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.net");
        mail.setText("over implicit TLS");
        Transport.send(mail);
        assertThat(processor.next().message().session().isSecure()).isTrue();
        assertThat(handshakesOk).hasValue(1);
        // DATA is completed where its message was processed, on the executor.
        assertThat(commands).anyMatch((command) -> command.startsWith("MAIL"))
                .filteredOn((command) -> !command.startsWith("DATA"))
                .allMatch((command) -> command.contains(" smtpd-loop-"));
    }

    @Test
    void implicitTlsBehindAProxyHeaderRunsOnTheLoopAndTheHelloInItsPacketReachesTheEngine() throws Exception {
        start(TestServers.loopback().implicitTlsAddress("127.0.0.1:0")
                .proxyProtocol(List.of(Cidr.parse("127.0.0.0/8"))));
        try (Socket socket = new Socket("127.0.0.1", server.getImplicitTlsAddress().getPort());
                EngineClient tls = new EngineClient(socket)) {
            socket.setSoTimeout(10_000);
            ByteArrayOutputStream packet = new ByteArrayOutputStream();
            packet.write("PROXY TCP4 203.0.113.7 127.0.0.1 40000 465\r\n".getBytes(StandardCharsets.US_ASCII));
            packet.write(tls.hello());
            tls.send(packet.toByteArray());
            tls.handshake();
            assertThat(tls.readLine()).startsWith("220 smtpd.test");
            assertThat(tls.command("EHLO c")).isEqualTo("250 HELP");
            tls.command("MAIL FROM:<a@b.example>");
            tls.command("RCPT TO:<c@d.example>");
            tls.command("DATA");
            assertThat(tls.command("behind a proxy\r\n.")).isEqualTo("250 2.0.0 OK");
        }
        Message message = processor.next().message();
        assertThat(message.session().isSecure()).isTrue();
        assertThat(message.peer().getAddress().getHostAddress()).isEqualTo("203.0.113.7");
        assertThat(commands).anyMatch((command) -> command.startsWith("EHLO"))
                .filteredOn((command) -> !command.startsWith("DATA"))
                .allMatch((command) -> command.contains(" smtpd-loop-"));
    }

    @Test
    void aLargeMessageArrivesByteExactOverTls() throws Exception {
        start(TestServers.loopback());
        StringBuilder body = new StringBuilder();
        java.util.Random random = new java.util.Random(42);
        while (body.length() < 6 * 1024 * 1024) {
            int length = random.nextInt(900);
            for (int i = 0; i < length; i++) {
                // From '0' on: no line starts with a dot, so the content goes as it is.
                body.append((char) ('0' + random.nextInt(79)));
            }
            body.append("\r\n");
        }
        byte[] content = body.toString().getBytes(StandardCharsets.US_ASCII);
        try (RawClient client = startTls()) {
            client.startTls(TestTls.clientSocketFactory());
            client.command("EHLO c");
            client.command("MAIL FROM:<a@b.example>");
            client.command("RCPT TO:<c@d.example>");
            assertThat(client.command("DATA")).startsWith("354");
            client.send(content);
            assertThat(client.command(".")).isEqualTo("250 2.0.0 OK");
        }
        byte[] received = processor.next().content();
        assertThat(java.util.Arrays.mismatch(received, content)).as("first difference of %d and %d bytes",
                received.length, content.length).isEqualTo(-1);
    }

    @Test
    void manyMessagesGoOverOneStartTlsConnection() throws Exception {
        start(TestServers.loopback());
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(server.getPort()));
        properties.put("mail.smtp.starttls.enable", "true");
        properties.put("mail.smtp.starttls.required", "true");
        properties.put("mail.smtp.ssl.socketFactory", TestTls.clientSocketFactory());
        jakarta.mail.Session mailSession = jakarta.mail.Session.getInstance(properties);
        try (Transport transport = mailSession.getTransport("smtp")) {
            transport.connect();
            for (int i = 0; i < 50; i++) {
                MimeMessage mail = new MimeMessage(mailSession);
                mail.setFrom("alice@example.org");
                mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.net");
                mail.setSubject("message " + i);
                mail.setText("body " + i);
                mail.saveChanges();
                transport.sendMessage(mail, mail.getAllRecipients());
            }
        }
        for (int i = 0; i < 50; i++) {
            RecordingProcessor.Received received = processor.next();
            assertThat(received.text()).contains("body " + i);
            assertThat(received.message().session().isSecure()).isTrue();
        }
        assertThat(handshakesOk).hasValue(1);
    }

    @Test
    void aBurstOfHandshakesTakesNoThreadOfTheExecutorAndAFewOfItsOwn() throws Exception {
        AtomicInteger executorTasks = new AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        try {
            start(TestServers.loopback().executor((task) -> {
                executorTasks.incrementAndGet();
                pool.execute(task);
            }));
            int clients = 24;
            java.util.concurrent.ExecutorService clientThreads = java.util.concurrent.Executors.newFixedThreadPool(clients);
            List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
            java.util.concurrent.CountDownLatch handshaken = new java.util.concurrent.CountDownLatch(clients);
            java.util.concurrent.CountDownLatch counted = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < clients; i++) {
                answers.add(clientThreads.submit(() -> {
                    try (RawClient client = startTls()) {
                        client.startTls(TestTls.clientSocketFactory());
                        handshaken.countDown();
                        counted.await();
                        return client.command("EHLO c");
                    }
                }));
            }
            assertThat(handshaken.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            long tlsThreads = Thread.getAllStackTraces().keySet().stream()
                .filter((thread) -> thread.getName().startsWith("smtpd-tls-"))
                .count();
            counted.countDown();
            for (java.util.concurrent.Future<String> answer : answers) {
                assertThat(answer.get(30, java.util.concurrent.TimeUnit.SECONDS)).endsWith("250 HELP");
            }
            clientThreads.shutdown();
            assertThat(handshakesOk).hasValue(clients);
            // The engines' work ran on the handshake pool (one thread per core, at least two), not on a thread
            // of the executor per handshake.
            assertThat(executorTasks).hasValue(0);
            assertThat(tlsThreads).isBetween(1L, (long) Math.max(2, Runtime.getRuntime().availableProcessors()));
        }
        finally {
            pool.shutdownNow();
        }
    }
}
