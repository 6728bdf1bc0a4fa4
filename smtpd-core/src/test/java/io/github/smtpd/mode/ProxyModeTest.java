package io.github.smtpd.mode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.smtpd.Reply;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.relay.UpstreamOptions;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor.Received;
import io.github.smtpd.test.TestServers;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Proxy mode over real sockets, relaying to a second instance of this server. */
class ProxyModeTest {

    private Upstream upstream;

    private SmtpServer proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.stop(Duration.ZERO);
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /**
     * A proxy server as deployed: with the engine's Received header, on by default (the test builders turn it
     * off). The upstream keeps it off, so every trace field that arrives there is the proxy's.
     */
    static SmtpServer.Builder proxyServer() {
        return TestServers.loopback().receivedHeader(true);
    }

    private RawClient startProxy(ProxyOptions options) throws IOException {
        proxy = proxyServer().enableSmtpUtf8(true).handler(new ProxyMode(options)).build();
        proxy.start();
        RawClient client = RawClient.connect(TestServers.address(proxy));
        assertThat(client.command("EHLO client.example")).startsWith("250");
        return client;
    }

    private RawClient startProxy() throws IOException {
        return startProxy(ProxyOptions.of(upstream.hostPort()));
    }

    /** The message as it arrived upstream, without the Received header the proxy's engine put in front. */
    private static byte[] withoutTrace(Received received) {
        String text = new String(received.content(), StandardCharsets.ISO_8859_1);
        int start = 0;
        while (text.startsWith("Received:", start) || text.startsWith("\t", start)) {
            start = text.indexOf("\r\n", start) + 2;
        }
        return java.util.Arrays.copyOfRange(received.content(), start, received.content().length);
    }

    @Test
    void relaysWhatAJakartaMailClientSends() throws Exception {
        upstream = Upstream.start();
        proxy = proxyServer().handler(new ProxyMode(ProxyOptions.of(upstream.hostPort()))).build();
        proxy.start();

        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(proxy.getPort()));
        Session session = Session.getInstance(properties);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("rcpt@example.net"));
        message.setSubject("Through the proxy");
        message.setText("Hello upstream\r\n.\r\nA line with only a dot came before.");
        Transport.send(message);

        Received received = upstream.received.next();
        assertThat(received.message().mailFrom()).isEqualTo("sender@example.org");
        assertThat(received.message().rcptTos()).containsExactly("rcpt@example.net");
        assertThat(received.text()).startsWith("Received: from ")
                .contains("\r\n\tby smtpd.test (smtpd for Java) with ESMTP id ")
                .contains("\r\n\tfor <rcpt@example.net>;")
                .contains("Subject: Through the proxy\r\n")
                .contains("Hello upstream\r\n.\r\nA line with only a dot came before.");
        assertThat(received.text().split("Received:", -1)).hasSize(2);
    }

    @Test
    void relaysEightBitAndUtf8ContentByteForByte() throws Exception {
        upstream = Upstream.start();
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        content.write("From: J\u00fcrgen <j\u00fcrgen@b\u00fccher.example>\r\nSubject: \u65e5\u672c\u8a9e\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8));
        for (int b = 0x80; b <= 0xff; b++) {
            content.write(b); // every 8-bit byte, most of them not UTF-8 at all
        }
        content.write("\r\n.leading dot\r\n\u00e9t\u00e9\r\n".getBytes(StandardCharsets.UTF_8));
        byte[] expected = content.toByteArray();

        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<j\u00fcrgen@b\u00fccher.example> SMTPUTF8 BODY=8BITMIME"))
                    .startsWith("250");
            assertThat(client.command("RCPT TO:<\u00fcser@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send(stuff(expected));
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }

        Received received = upstream.received.next();
        assertThat(received.message().mailFrom()).isEqualTo("j\u00fcrgen@b\u00fccher.example");
        assertThat(received.message().rcptTos()).containsExactly("\u00fcser@example.net");
        assertThat(received.message().mailOptions()).contains("SMTPUTF8", "BODY=8BITMIME");
        assertThat(withoutTrace(received)).isEqualTo(expected);
        assertThat(received.text()).contains(" with UTF8SMTP id ");
    }

    /** Dot-stuffs CRLF content and ends it, as an SMTP client does. */
    private static byte[] stuff(byte[] content) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        String stuffed = (text.startsWith(".") ? "." : "") + text.replace("\r\n.", "\r\n..");
        return (stuffed + ".\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void passesTheUpstreamsVerdictOnEachRecipient() throws Exception {
        upstream = Upstream.start();
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<busy@example.net>")).isEqualTo("450 4.2.1 Mailbox busy, come back later");
            assertThat(client.command("RCPT TO:<nobody@example.net>")).isEqualTo("550 5.1.1 No such user here");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: one of three\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }
        Received received = upstream.received.next();
        assertThat(received.message().rcptTos()).containsExactly("somebody@example.net");
    }

    @Test
    void turnsTheUpstreamsClosingReplyIntoATemporaryFailure() throws Exception {
        upstream = Upstream.start();
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).startsWith("250");
            // 421 is the upstream closing its channel, not ours: the client gets 451 and keeps its session.
            assertThat(client.command("RCPT TO:<shutdown@example.net>"))
                    .isEqualTo("451 4.4.2 Upstream connection lost, try again later");
            assertThat(client.command("RCPT TO:<another@example.net>"))
                    .isEqualTo("451 4.4.2 Upstream connection lost, try again later");
            assertThat(client.command("RSET")).startsWith("250");
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
        }
    }

    @Test
    void refusesTheSenderAtTheFirstRecipientWhenTheUpstreamDoes() throws Exception {
        upstream = Upstream.start();
        try (RawClient client = startProxy()) {
            // MAIL goes upstream with the first recipient, so the sender's refusal answers that RCPT.
            assertThat(client.command("MAIL FROM:<blocked@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).isEqualTo("550 5.7.1 Sender blocked here");
            // The upstream is not asked again about the same sender.
            assertThat(client.command("RCPT TO:<other@example.net>")).isEqualTo("550 5.7.1 Sender blocked here");
            assertThat(client.command("DATA")).isEqualTo("503 5.5.1 Error: need RCPT command");
            assertThat(upstream.sessions.get()).isEqualTo(1);
            assertThat(client.command("RSET")).startsWith("250");
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).startsWith("250");
        }
    }

    @Test
    void passesTheUpstreamsTemporaryFailureAfterData() throws Exception {
        upstream = Upstream.start();
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<tempfail@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: later\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).isEqualTo("451 4.3.0 Upstream queue full");
            assertThat(client.command("NOOP")).startsWith("250");
        }
        assertThat(upstream.received.all()).isEmpty();
    }

    @Test
    void passesTheUpstreamsPermanentFailureAfterData() throws Exception {
        upstream = Upstream.start();
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<reject@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: refused\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).isEqualTo("554 5.7.0 Message refused by upstream policy");
        }
    }

    @Test
    void theSizeGoingUpstreamCountsTheHeadersTheProxyAdds() throws Exception {
        // An outside run saw the client's SIZE forwarded unchanged, though the proxy adds a Received header: an
        // upstream checking SIZE against its limit would have been told too little.
        upstream = Upstream.start();
        String content = "Subject: sized\r\n\r\n" + "x".repeat(80) + "\r\n";
        try (RawClient client = startProxy(ProxyOptions.builder()
            .upstream(UpstreamOptions.builder().addresses(upstream.hostPort()).build()).peerHeader(true).build())) {
            assertThat(client.command("MAIL FROM:<sender@example.org> SIZE=" + content.length())).startsWith("250");
            assertThat(client.command("RCPT TO:<one@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send(content + ".\r\n");
            assertThat(client.readReply()).startsWith("250 ");
        }
        Received received = upstream.received.next();
        long declared = received.message().mailOptions().stream().filter((option) -> option.startsWith("SIZE="))
            .mapToLong((option) -> Long.parseLong(option.substring(5))).findFirst().orElseThrow();
        assertThat((long) received.content().length).isGreaterThan(content.length());
        assertThat(declared).isGreaterThanOrEqualTo(received.content().length).isLessThan(content.length() + 4096L);
    }

    @Test
    void sendsMailWithTheFirstRecipientAndASmallMessageAsOneBdatChunk() throws Exception {
        upstream = Upstream.start();
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(upstream.sessions.get()).isZero();
            assertThat(client.command("RCPT TO:<one@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<two@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            // The client dot-stuffs; BDAT carries the line as it is.
            client.send("Subject: small\r\n\r\n..leading dot\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }
        assertThat(new String(withoutTrace(upstream.received.next()), StandardCharsets.ISO_8859_1))
                .isEqualTo("Subject: small\r\n\r\n.leading dot\r\nbody\r\n");
        assertThat(upstream.verbs).containsSubsequence("EHLO", "MAIL", "RCPT", "RCPT", "BDAT").doesNotContain("DATA");
    }

    @Test
    void streamsAMessageTooBigForOneChunkWithData() throws Exception {
        upstream = Upstream.start();
        StringBuilder body = new StringBuilder("Subject: big\r\n\r\n");
        while (body.length() < 3 * 65536) {
            body.append(".a line that starts with a dot, and enough text to fill the message quickly\r\n");
        }
        String message = body.toString();
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<one@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send(message.replace("\r\n.", "\r\n..") + ".\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }
        assertThat(new String(withoutTrace(upstream.received.next()), StandardCharsets.ISO_8859_1)).isEqualTo(message);
        assertThat(upstream.verbs).containsSubsequence("MAIL", "RCPT", "DATA").doesNotContain("BDAT");
    }

    @Test
    void neverOpensTheUpstreamForATransactionWithoutRecipients() throws Exception {
        upstream = Upstream.start();
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RSET")).startsWith("250");
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("QUIT")).startsWith("221");
        }
        assertThat(upstream.sessions.get()).isZero();
    }

    @Test
    void answers451WhenTheUpstreamIsDown() throws Exception {
        try (RawClient client = startProxy(ProxyOptions.of(closedPort()))) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>"))
                    .isEqualTo("451 4.4.1 Upstream server unavailable, try again later");
            assertThat(client.command("DATA")).isEqualTo("503 5.5.1 Error: need RCPT command");
        }
    }

    @Test
    void triesAnUpstreamThatFailedOnlyOncePerTransaction() throws Exception {
        // Each attempt may wait out a timeout: later recipients of the transaction get the same answer at once.
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket hangsUp = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try (Socket ignored = hangsUp.accept()) {
                        connections.incrementAndGet();
                    }
                    catch (IOException ex) {
                        return;
                    }
                }
            });
            acceptor.start();
            try (RawClient client = startProxy(ProxyOptions.of("127.0.0.1:" + hangsUp.getLocalPort()))) {
                assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
                assertThat(client.command("RCPT TO:<one@example.net>"))
                        .isEqualTo("451 4.4.1 Upstream server unavailable, try again later");
                assertThat(client.command("RCPT TO:<two@example.net>"))
                        .isEqualTo("451 4.4.1 Upstream server unavailable, try again later");
                assertThat(client.command("RSET")).startsWith("250");
                assertThat(connections.get()).isEqualTo(1);
                // A new transaction tries again.
                assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
                assertThat(client.command("RCPT TO:<one@example.net>")).startsWith("451");
                assertThat(connections.get()).isEqualTo(2);
            }
        }
    }

    @Test
    void keepsTheSendersRefusalWhenTheUpstreamHangsUpBeforeAnsweringThePipelinedRecipient() throws Exception {
        upstream = Upstream.start(TestServers.loopback().command("MAIL", (session, argument) -> {
            session.reply(Reply.of(550, "5.7.1", "Sender blocked here"));
            session.close();
        }));
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).isEqualTo("550 5.7.1 Sender blocked here");
        }
    }

    @Test
    void answers451WhenTheUpstreamAnswersRcptWithAnIntermediateReply() throws Exception {
        // A 354 is below 400, but it accepts nothing: the recipient must not count as accepted.
        upstream = Upstream.start(TestServers.loopback().command("RCPT", (session, argument) ->
                session.reply(Reply.of(354, "Go ahead"))));
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>"))
                    .isEqualTo("451 4.5.0 Upstream server protocol error, try again later");
            assertThat(client.command("DATA")).isEqualTo("503 5.5.1 Error: need RCPT command");
        }
        assertThat(upstream.received.all()).isEmpty();
    }

    @Test
    void answers451WhenTheUpstreamAnswersTheDataWithAnIntermediateReply() throws Exception {
        upstream = Upstream.start(TestServers.loopback().command("BDAT", (session, argument) -> {
            session.reply(Reply.of(354, "Go ahead"));
            session.close();
        }));
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: not taken\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).isEqualTo("451 4.5.0 Upstream server protocol error, try again later");
        }
        assertThat(upstream.received.all()).isEmpty();
    }

    @Test
    void answersAnUpstreamsMessageSizeRefusalOfMailWith554AtRcpt() throws Exception {
        // A 552 to RCPT means "too many recipients" to clients (RFC 5321 4.5.3.1.10), which they retry later.
        upstream = Upstream.start(TestServers.loopback().command("MAIL", (session, argument) ->
                session.reply(Reply.of(552, "5.3.4", "Message size exceeds fixed limit"))));
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>"))
                    .isEqualTo("554 5.3.4 Message size exceeds fixed limit");
        }
    }

    @Test
    void triesTheRemoteAddressesInOrder() throws Exception {
        upstream = Upstream.start();
        ProxyOptions options = ProxyOptions.builder()
                .upstream(UpstreamOptions.builder().addresses(closedPort(), upstream.hostPort()).build()).build();
        try (RawClient client = startProxy(options)) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: second address\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }
        assertThat(upstream.received.next().text()).contains("Subject: second address");
    }

    @Test
    void answers451WhenTheUpstreamNeverAnswers() throws Exception {
        // A listening socket that nobody serves: the connection is made, the greeting never comes.
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            ProxyOptions options = ProxyOptions.builder()
                    .upstream(UpstreamOptions.builder().addresses("127.0.0.1:" + silent.getLocalPort())
                            .timeout(Duration.ofMillis(500)).build())
                    .build();
            try (RawClient client = startProxy(options)) {
                assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
                assertThat(client.command("RCPT TO:<somebody@example.net>"))
                        .isEqualTo("451 4.4.1 Upstream server unavailable, try again later");
            }
        }
    }

    @Test
    void answers451WhenTheUpstreamDropsTheConnectionInTheMiddleOfData() throws Exception {
        // The upstream says 354 and hangs up while the proxy is sending the message.
        upstream = Upstream.start(TestServers.loopback().command("DATA", (session, argument) -> {
            session.reply(354, "End data with <CR><LF>.<CR><LF>");
            session.close();
        }));
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: dropped\r\n\r\n" + "a long line of text\r\n".repeat(100_000) + ".\r\n");
            assertThat(client.readReply()).startsWith("451 ");
            // The client's session goes on: the next transaction opens a new upstream connection.
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
        }
        assertThat(upstream.received.all()).isEmpty();
    }

    @Test
    void replaysTheEnvelopeWhenTheUpstreamTimedOutWhileTheClientSentTheData() throws Exception {
        // An upstream that gives up on an idle connection after half a second, as real ones do after minutes.
        upstream = Upstream.start(TestServers.loopback().idleTimeout(Duration.ofMillis(500)));
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<another@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: slow client\r\n\r\n");
            Thread.sleep(1500); // a slow client: the upstream connection times out meanwhile
            client.send("body\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }
        Received received = upstream.received.next();
        assertThat(received.message().rcptTos()).containsExactly("somebody@example.net", "another@example.net");
        assertThat(received.text()).endsWith("Subject: slow client\r\n\r\nbody\r\n");
        assertThat(upstream.received.all()).hasSize(1);
        assertThat(upstream.sessions.get()).isEqualTo(2);
    }

    @Test
    void answers451WhenTheUpstreamStopsReadingTheData() throws Exception {
        // The upstream says 354 and then reads nothing: the proxy's writes block once the socket buffers are full.
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        upstream = Upstream.start(TestServers.loopback().command("DATA", (session, argument) -> {
            // The session flushes replies only before it reads, and this command never returns to read: a 354
            // longer than the session's 8 KiB output buffer is written at once.
            java.util.List<String> lines = new java.util.ArrayList<>(java.util.Collections.nCopies(60, "x".repeat(150)));
            lines.add("End data with <CR><LF>.<CR><LF>");
            session.reply(io.github.smtpd.Reply.multiline(354, lines));
            try {
                release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            session.close();
        }));
        ProxyOptions options = ProxyOptions.builder().upstream(UpstreamOptions.builder()
                .addresses(upstream.hostPort()).timeout(Duration.ofSeconds(1)).build()).build();
        // More than the socket buffers hold: Linux lets a loopback receive buffer grow to 32 MiB.
        proxy = TestServers.loopback().dataSizeLimit(0).handler(new ProxyMode(options)).build();
        proxy.start();
        try (RawClient client = RawClient.connect(TestServers.address(proxy))) {
            client.command("EHLO client.example");
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            byte[] line = ("x".repeat(1022) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 48 * 1024; i++) {
                client.output().write(line);
            }
            client.send(".\r\n");
            assertThat(client.readReply()).isEqualTo("451 4.4.2 Upstream server timed out, try again later");
        }
        finally {
            release.countDown();
        }
        assertThat(upstream.received.all()).isEmpty();
    }

    @Test
    void deniesRelayToClientsOutsideTheTrustedNetworks() throws Exception {
        upstream = Upstream.start();
        ProxyOptions options = ProxyOptions.builder()
                .upstream(UpstreamOptions.builder().addresses(upstream.hostPort()).build())
                .trustedNetworks("10.0.0.0/8", "192.168.0.0/16", "fd00::/8").build();
        try (RawClient client = startProxy(options)) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).isEqualTo("554 5.7.1 Relay access denied");
            assertThat(client.command("DATA")).isEqualTo("503 5.5.1 Error: need RCPT command");
        }
        assertThat(upstream.sessions.get()).isZero();
    }

    @Test
    void refusesANonAsciiSenderWhenTheUpstreamLacksSmtpUtf8() throws Exception {
        upstream = Upstream.start(TestServers.loopback());
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<j\u00fcrgen@example.org> SMTPUTF8")).startsWith("250");
            assertThat(client.command("RCPT TO:<user@example.net>"))
                    .isEqualTo("553 5.6.7 Upstream server does not support SMTPUTF8: non-ASCII address can not be relayed");
            assertThat(client.command("RSET")).startsWith("250");
            assertThat(client.command("MAIL FROM:<sender@example.org> SMTPUTF8")).startsWith("250");
            assertThat(client.command("RCPT TO:<\u00fcser@example.net>"))
                    .isEqualTo("553 5.6.7 Upstream server does not support SMTPUTF8: non-ASCII address can not be relayed");
            assertThat(client.command("RCPT TO:<user@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: \u00fcber\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply())
                    .isEqualTo("554 5.6.7 Upstream server does not support SMTPUTF8: message with UTF-8 headers not relayed");
        }
    }

    @Test
    void refusesEightBitContentWhenTheUpstreamLacks8BitMime() throws Exception {
        // decode_data turns 8BITMIME off, as in smtpd.
        upstream = Upstream.start(TestServers.loopback().decodeData(true));
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org> BODY=8BITMIME")).startsWith("250");
            assertThat(client.command("RCPT TO:<user@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: 8 bit\r\n\r\nd\u00e9j\u00e0 vu\r\n.\r\n");
            assertThat(client.readReply())
                    .isEqualTo("554 5.6.3 Upstream server does not support 8BITMIME: 8-bit message not relayed");

            // Declared 8BITMIME but 7-bit in fact: relayed, without the BODY parameter the upstream does not know.
            assertThat(client.command("MAIL FROM:<sender@example.org> BODY=8BITMIME")).startsWith("250");
            assertThat(client.command("RCPT TO:<user@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: 7 bit\r\n\r\nplain\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }
        assertThat(upstream.received.next().message().mailOptions()).isEmpty();
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = { 1000, 600_000, 2 * 256 * 1024 })
    void relaysABinaryMessageByteForByteInBdatChunks(int size) throws Exception {
        // Line ends are not repaired here: they would corrupt binary content, and BDAT has no end marker to fake.
        // Without a Received header on the way, the last size ends exactly at a chunk boundary (then BDAT 0 LAST).
        upstream = Upstream.start();
        proxy = TestServers.loopback().handler(new ProxyMode(ProxyOptions.of(upstream.hostPort()))).build();
        proxy.start();
        byte[] content = new byte[size];
        byte[] header = "Subject: binary\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(header, 0, content, 0, header.length);
        for (int i = header.length; i < size; i++) {
            content[i] = (byte) ((i * 31 + size) % 256);
        }
        byte[] lookAlike = "\n.\r\nRSET\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(lookAlike, 0, content, header.length, lookAlike.length);
        try (RawClient client = RawClient.connect(TestServers.address(proxy))) {
            assertThat(client.command("EHLO client.example")).contains("250-BINARYMIME");
            assertThat(client.command("MAIL FROM:<sender@example.org> BODY=BINARYMIME")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).startsWith("250");
            client.send("BDAT " + size + " LAST\r\n");
            client.send(content);
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
        }
        Received received = upstream.received.next();
        assertThat(received.message().mailOptions()).contains("BODY=BINARYMIME");
        assertThat(received.content()).isEqualTo(content);
        // Chunks of 256 KiB, then the rest (maybe none) as LAST.
        assertThat(upstream.verbs).doesNotContain("DATA").filteredOn("BDAT"::equals).hasSize(size / (256 * 1024) + 1);
    }

    @Test
    void refusesABinaryMessageAtTheFirstRecipientWhenTheUpstreamCanNotTakeIt() throws Exception {
        // decode_data turns 8BITMIME and BINARYMIME off, as in smtpd.
        upstream = Upstream.start(TestServers.loopback().decodeData(true));
        try (RawClient client = startProxy()) {
            assertThat(client.command("EHLO client.example")).contains("250-BINARYMIME");
            assertThat(client.command("MAIL FROM:<sender@example.org> BODY=BINARYMIME")).startsWith("250");
            assertThat(client.command("RCPT TO:<somebody@example.net>")).isEqualTo(
                    "554 5.6.3 Upstream server does not support BINARYMIME: send the message as 7BIT or 8BITMIME");
        }
        assertThat(upstream.received.all()).isEmpty();
    }

    @Test
    void neverLetsABareLineEndEndTheMessageUpstream() throws Exception {
        upstream = Upstream.start();
        try (RawClient client = startProxy()) {
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<user@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            // To a server that ends lines at a bare LF or CR, these would end the data and start a second mail.
            client.send("Subject: smuggling\r\n\r\nfirst\n.\r\nMAIL FROM:<evil@example.org>\r\n"
                    + "second\r.\rRCPT TO:<victim@example.net>\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0 Queued as ");
            assertThat(client.command("QUIT")).startsWith("221");
        }
        Received received = upstream.received.next();
        assertThat(new String(withoutTrace(received), StandardCharsets.US_ASCII)).isEqualTo(
                "Subject: smuggling\r\n\r\nfirst\r\n.\r\nMAIL FROM:<evil@example.org>\r\n"
                        + "second\r\n.\r\nRCPT TO:<victim@example.net>\r\n");
        assertThat(upstream.received.all()).hasSize(1);
    }

    @Test
    void addsOneReceivedFieldTheEnginesAndSmtpdsPeerHeaderAtTheEndOfTheHeaderWhenAsked() throws Exception {
        upstream = Upstream.start();
        try (RawClient client = startProxy(peerHeaderOptions())) {
            sendPeerTestMessage(client);
        }
        String text = upstream.received.next().text();
        assertThat(text).matches("(?s)Received: from client\\.example \\(\\[127\\.0\\.0\\.1\\]\\)\r\n"
                + "\tby smtpd\\.test \\(smtpd for Java\\) with ESMTP id \\S+\r\n"
                + "\tfor <user@example\\.net>; [^\r\n]+\r\n"
                + "Subject: peer\r\nX-Peer: 127\\.0\\.0\\.1\r\n\r\nbody\r\n");
        assertThat(text.split("Received:", -1)).as("one Received field for this hop").hasSize(2);
    }

    @Test
    void addsNoReceivedFieldWhenTheServerHasItsOwnTurnedOff() throws Exception {
        upstream = Upstream.start();
        proxy = TestServers.loopback().receivedHeader(false).handler(new ProxyMode(peerHeaderOptions())).build();
        proxy.start();
        try (RawClient client = RawClient.connect(TestServers.address(proxy))) {
            client.command("EHLO client.example");
            sendPeerTestMessage(client);
            // No empty line, and (with BDAT) no final line end: X-Peer goes at the end, on a line of its own.
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<user@example.net>")).startsWith("250");
            assertThat(client.command("BDAT 16 LAST\r\nSubject: no body")).startsWith("250");
        }
        assertThat(upstream.received.next().text()).isEqualTo("Subject: peer\r\nX-Peer: 127.0.0.1\r\n\r\nbody\r\n");
        assertThat(upstream.received.next().text()).isEqualTo("Subject: no body\r\nX-Peer: 127.0.0.1\r\n");
    }

    private ProxyOptions peerHeaderOptions() {
        return ProxyOptions.builder().upstream(UpstreamOptions.builder().addresses(upstream.hostPort()).build())
                .peerHeader(true).build();
    }

    private static void sendPeerTestMessage(RawClient client) throws IOException {
        assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
        assertThat(client.command("RCPT TO:<user@example.net>")).startsWith("250");
        assertThat(client.command("DATA")).startsWith("354");
        client.send("Subject: peer\r\n\r\nbody\r\n.\r\n");
        assertThat(client.readReply()).startsWith("250");
    }

    @Test
    void rejectsHostNamesAsTrustedNetworks() {
        assertThatThrownBy(() -> ProxyOptions.builder().upstream(UpstreamOptions.builder().addresses("a:25").build())
                .trustedNetworks("localhost").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'localhost'");
        assertThatThrownBy(() -> ProxyOptions.builder().upstream(UpstreamOptions.builder().addresses("a:25").build())
                .trustedNetworks("10.0.0.0/33").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix length");
    }

    @Test
    void aJakartaMailClientSeesTheUpstreamsRefusal() throws Exception {
        upstream = Upstream.start();
        proxy = proxyServer().handler(new ProxyMode(ProxyOptions.of(upstream.hostPort()))).build();
        proxy.start();
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(proxy.getPort()));
        MimeMessage message = new MimeMessage(Session.getInstance(properties));
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("nobody@example.net"));
        message.setText("nobody will read this");
        assertThatThrownBy(() -> Transport.send(message)).isInstanceOf(MessagingException.class)
                .hasStackTraceContaining("550 5.1.1 No such user here");
    }

    /** A loopback port where nothing listens. */
    static String closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }
}
