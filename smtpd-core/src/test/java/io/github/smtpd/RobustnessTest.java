package io.github.smtpd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLSocket;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import io.github.smtpd.test.TestTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** Hostile and unlucky clients, shutdowns and full disks: each keeps the promises (nothing lost, nothing hung). */
@Timeout(120)
class RobustnessTest extends ServerTestSupport {

    private final RecordingProcessor processor = new RecordingProcessor();

    /** Writes commands without ever reading a reply, until the connection is closed. */
    private static Thread flood(OutputStream out) {
        Thread writer = new Thread(() -> {
            byte[] many = "NOOP\r\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < 1000; i++) {
                    out.write(many);
                }
            }
            catch (IOException ex) {
                // Closed by the server: what the test waits for.
            }
        }, "flooder");
        writer.setDaemon(true);
        writer.start();
        return writer;
    }

    /** A TLS client (after STARTTLS) on a small receive buffer, which then stops reading. */
    private Socket stalledTlsClient() throws Exception {
        Socket plain = new Socket();
        plain.setReceiveBufferSize(4096);
        plain.connect(TestServers.address(server));
        InputStream in = plain.getInputStream();
        in.read(new byte[200]);
        plain.getOutputStream().write("EHLO x\r\nSTARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
        StringBuilder got = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!got.toString().contains("220 2.0.0")) {
            got.append(new String(buffer, 0, in.read(buffer), StandardCharsets.US_ASCII));
        }
        SSLSocket ssl = (SSLSocket) TestTls.clientSocketFactory().createSocket(plain, "localhost", plain.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.startHandshake();
        flood(ssl.getOutputStream());
        return plain;
    }

    @Test
    void aTlsClientThatStopsReadingNeitherStopsTheTimeoutsNorTheShutdown() throws Exception {
        start(TestServers.loopback().idleTimeout(Duration.ofSeconds(1)).sslContext(TestTls::serverContext)
            .maxBadCommands(Integer.MAX_VALUE));
        try (Socket stalled = stalledTlsClient(); RawClient idle = connect()) {
            // The idle client is still timed out: the watchdog is not stuck on the stalled one.
            assertThat(idle.readReply()).isEqualTo("421 smtpd.test Error: timeout exceeded");
            CountDownLatch stopped = new CountDownLatch(1);
            Thread stopper = new Thread(() -> {
                server.stop(Duration.ZERO);
                stopped.countDown();
            });
            stopper.start();
            assertThat(stopped.await(30, TimeUnit.SECONDS)).as("stop() returns").isTrue();
        }
    }

    private void start(SmtpServer.Builder builder) {
        launch(builder.messageProcessor(processor));
    }

    @Test
    void implicitTlsBehindAProxyKeepsTheClientHelloSentWithTheHeader() throws Exception {
        start(TestServers.loopback().sslContext(TestTls::serverContext).implicitTlsAddress("127.0.0.1:0")
            .proxyProtocol(List.of(Cidr.parse("127.0.0.1"))));
        byte[] header = "PROXY TCP4 192.0.2.7 127.0.0.1 40000 465\r\n".getBytes(StandardCharsets.US_ASCII);
        InetSocketAddress tls = new InetSocketAddress("127.0.0.1", server.getImplicitTlsAddress().getPort());
        // HAProxy often sends its header and the client's hello in one segment: the first write carries both.
        try (Socket plain = new HeaderFirstSocket(header)) {
            plain.connect(tls);
            SSLSocket ssl = (SSLSocket) TestTls.clientSocketFactory().createSocket(plain, "localhost", tls.getPort(), true);
            ssl.setUseClientMode(true);
            ssl.setSoTimeout(10_000);
            ssl.startHandshake();
            byte[] greeting = new byte[200];
            int read = ssl.getInputStream().read(greeting);
            assertThat(new String(greeting, 0, read, StandardCharsets.US_ASCII)).startsWith("220 smtpd.test");
        }
    }

    @Test
    void startTlsForgetsAnAuthenticationMadeBeforeIt() throws Exception {
        start(TestServers.loopback().sslContext(TestTls::serverContext).authenticator((s, user, password) -> user)
            .allowPlaintextAuth(true).requireAuth(true));
        try (RawClient client = connect()) {
            client.command("EHLO x");
            String plain = Base64.getEncoder().encodeToString("\0alice\0pw".getBytes(StandardCharsets.US_ASCII));
            assertThat(client.command("AUTH PLAIN " + plain)).startsWith("235");
            client.command("STARTTLS");
            client.startTls(TestTls.clientSocketFactory());
            client.command("EHLO x");
            assertThat(client.command("MAIL FROM:<a@example.org>")).isEqualTo("530 5.7.0 Authentication required");
            assertThat(client.command("AUTH PLAIN " + plain)).startsWith("235");
        }
    }

    @Test
    void aLongOrcptFitsTheLineLimitDsnAllows() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = connect()) {
            client.command("EHLO x");
            client.command("MAIL FROM:<a@example.org>");
            String orcpt = "rfc822;" + "a".repeat(480) + "@example.org";
            assertThat(client.command("RCPT TO:<b@example.org> NOTIFY=FAILURE ORCPT=" + orcpt)).isEqualTo("250 2.1.5 OK");
        }
    }

    @Test
    void aMessageInProcessingWhenTheGraceEndsGetsItsRealReplyBeforeThe421() throws Exception {
        AtomicInteger processed = new AtomicInteger();
        CountDownLatch processing = new CountDownLatch(1);
        launch(TestServers.loopback().messageProcessor(message -> {
            processing.countDown();
            Thread.sleep(1500);
            processed.incrementAndGet();
            return null;
        }));
        try (RawClient client = connect()) {
            client.openData("EHLO x", "a@example.org", "b@example.org");
            client.send("Subject: hello\r\n\r\nbody\r\n.\r\n");
            assertThat(processing.await(10, TimeUnit.SECONDS)).isTrue();
            server.stop(Duration.ofMillis(100));
            assertThat(client.readReply()).isEqualTo("250 2.0.0 OK");
            assertThat(client.readReply()).startsWith("421 4.3.2");
        }
        assertThat(processed.get()).isEqualTo(1);
    }

    @Test
    void aMalformedBdatWithASizeSkipsItsChunkAndOneWithoutIsClosed() throws Exception {
        start(TestServers.loopback());
        try (RawClient client = connect()) {
            client.command("EHLO x");
            client.command("MAIL FROM:<a@example.org>");
            client.command("RCPT TO:<b@example.org>");
            String chunk = "RSET\r\nMAIL FROM:<evil@example.org>\r\n";
            client.send("BDAT " + chunk.length() + " LAST now\r\n" + chunk);
            assertThat(client.readReply()).isEqualTo("501 5.5.4 Syntax: BDAT chunk-size [LAST]");
            // The chunk was not run as commands: the next reply is the VRFY's, and the transaction is intact.
            assertThat(client.command("VRFY <x@example.org>")).startsWith("252");
            assertThat(client.command("DATA")).startsWith("354");
        }
        try (RawClient client = connect()) {
            client.command("EHLO x");
            assertThat(client.command("BDAT lots")).isEqualTo("501 5.5.4 Syntax: BDAT chunk-size [LAST]");
            assertThat(client.isClosedByServer()).isTrue();
        }
    }

    @Test
    void aSpoolThatFailsGives452AndTheSessionGoesOn() throws Exception {
        Path spool = Files.createTempDirectory("smtpd-spool");
        start(TestServers.loopback().spoolThreshold(16).spoolDirectory(spool));
        Files.delete(spool);
        try (RawClient client = connect()) {
            client.openData("EHLO x", "a@example.org", "b@example.org");
            client.send("Subject: hello\r\n\r\n" + "x".repeat(200) + "\r\n.\r\n");
            assertThat(client.readReply()).isEqualTo("452 4.3.1 Insufficient system storage");
            assertThat(client.command("NOOP")).isEqualTo("250 2.0.0 OK");
        }
        assertThat(processor.all()).isEmpty();
    }

    /** A socket whose first write is prefixed with a PROXY header, as a load balancer sends it. */
    private static final class HeaderFirstSocket extends Socket {

        private final byte[] header;

        private OutputStream wrapped;

        HeaderFirstSocket(byte[] header) {
            this.header = header;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (wrapped == null) {
                OutputStream real = super.getOutputStream();
                wrapped = new OutputStream() {
                    private boolean first = true;

                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] { (byte) b }, 0, 1);
                    }

                    @Override
                    public void write(byte[] bytes, int offset, int length) throws IOException {
                        if (first) {
                            first = false;
                            byte[] both = new byte[header.length + length];
                            System.arraycopy(header, 0, both, 0, header.length);
                            System.arraycopy(bytes, offset, both, header.length, length);
                            real.write(both);
                            return;
                        }
                        real.write(bytes, offset, length);
                    }

                    @Override
                    public void flush() throws IOException {
                        real.flush();
                    }
                };
            }
            return wrapped;
        }
    }
}
