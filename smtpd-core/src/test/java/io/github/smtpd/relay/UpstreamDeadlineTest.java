package io.github.smtpd.relay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link UpstreamOptions#deadline()}: one limit on a whole connection that an upstream dripping bytes can not stretch,
 * as it stretches the timeout of each read. Against raw sockets on 127.0.0.1 that drip, and a real server. Timings
 * are asserted only as generous bounds.
 */
class UpstreamDeadlineTest {

    private static final Duration DEADLINE = Duration.ofMillis(400);

    private ServerSocket listener;

    @AfterEach
    void close() throws IOException {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void aDrippedGreetingFailsAtTheDeadline() throws Exception {
        int port = upstream("220 drip.test " + "x".repeat(1000), Duration.ofMillis(50), "250 drip.test", "250 OK",
                Duration.ZERO);
        UpstreamOptions options = options(port).deadline(DEADLINE).build();
        long start = System.nanoTime();
        UpstreamException failure = catchThrowableOfType(UpstreamException.class,
                () -> UpstreamClient.connect(options, "relay.test"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEADLINE.multipliedBy(10));
        assertThat(failure.reply().code()).isEqualTo(451);
        assertThat(failure.getCause()).isInstanceOf(DeadlineExceededException.class)
            .hasMessageContaining("deadline of 400 ms");
        assertThat(failure.getMessage()).contains("deadline of 400 ms");
        assertThat(failure.greetings()).isNull();
    }

    @Test
    void withoutADeadlineTheSameDripIsWaitedFor() throws Exception {
        // Each byte comes well within the read timeout: relaying keeps waiting, as it always did.
        int port = upstream("220 drip.test ready", Duration.ofMillis(40), "250 drip.test", "250 OK", Duration.ZERO);
        try (UpstreamClient client = UpstreamClient.connect(options(port).build(), "relay.test")) {
            assertThat(client.greetings().greeting().text()).isEqualTo("drip.test ready");
            assertThat(client.greetings().hello().code()).isEqualTo(250);
        }
    }

    @Test
    void aDrippedReplyAfterTheSetupFailsAtTheDeadline() throws Exception {
        int port = upstream("220 drip.test ready", Duration.ZERO, "250 drip.test", "250 " + "y".repeat(1000),
                Duration.ofMillis(50));
        UpstreamOptions options = options(port).deadline(DEADLINE).build();
        long start = System.nanoTime();
        try (UpstreamClient client = UpstreamClient.connect(options, "relay.test")) {
            UpstreamException failure = catchThrowableOfType(UpstreamException.class, client::noop);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEADLINE.multipliedBy(10));
            assertThat(failure.reply()).isEqualTo(UpstreamClient.TIMED_OUT);
            assertThat(failure.getCause()).isInstanceOf(DeadlineExceededException.class);
            assertThat(client.isBroken()).isTrue();
        }
    }

    @Test
    void aHealthyUpstreamIsUsedWithinTheDeadline() throws Exception {
        SmtpServer upstream = TestServers.loopback().hostName("upstream.test").messageProcessor((message) -> null)
            .build();
        upstream.start();
        try (UpstreamClient client = UpstreamClient.connect(
                options(upstream.getPort()).deadline(Duration.ofSeconds(5)).build(), "relay.test")) {
            assertThat(client.greetings().greeting().code()).isEqualTo(220);
            assertThat(client.greetings().hello().text()).isEqualTo("upstream.test");
            assertThat(client.noop().code()).isEqualTo(250);
        }
        finally {
            upstream.stop(Duration.ZERO);
        }
    }

    @Test
    void aRefusalKeepsWhatTheUpstreamSaid() throws Exception {
        int port = upstream("220 picky.test", Duration.ZERO, "421 4.3.2 Try later", "421 4.3.2 Try later",
                Duration.ZERO);
        UpstreamException failure = catchThrowableOfType(UpstreamException.class,
                () -> UpstreamClient.connect(options(port).deadline(DEADLINE).build(), "relay.test"));
        assertThat(failure.greetings().greeting().toString()).isEqualTo("220 picky.test");
        assertThat(failure.greetings().hello().toString()).isEqualTo("421 4.3.2 Try later");
        assertThat(failure.getMessage()).contains("closing the connection: 421 4.3.2 Try later");
    }

    @Test
    void aDeadlineMustBePositive() {
        assertThatThrownBy(() -> options(25).deadline(Duration.ZERO).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("deadline");
    }

    private static UpstreamOptions.Builder options(int port) {
        return UpstreamOptions.builder().addresses("127.0.0.1:" + port).startTls(StartTls.DISABLED)
            .timeout(Duration.ofSeconds(2));
    }

    /**
     * An upstream on 127.0.0.1 for one connection: it drips {@code greeting} a byte per {@code greetingPause},
     * answers EHLO and HELO with {@code hello} and QUIT with 221 at once, and drips {@code answer} to anything else.
     */
    private int upstream(String greeting, Duration greetingPause, String hello, String answer, Duration answerPause)
            throws IOException {
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(() -> {
            try (Socket connection = listener.accept()) {
                OutputStream out = connection.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                        StandardCharsets.US_ASCII));
                drip(out, greeting, greetingPause);
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("EHLO") || line.startsWith("HELO")) {
                        drip(out, hello, Duration.ZERO);
                    }
                    else if (line.equals("QUIT")) {
                        drip(out, "221 Bye", Duration.ZERO);
                    }
                    else {
                        drip(out, answer, answerPause);
                    }
                }
            }
            catch (IOException | InterruptedException ex) {
                // The client hung up, or the test ended.
            }
        }, "dripping-upstream");
        thread.setDaemon(true);
        thread.start();
        return listener.getLocalPort();
    }

    private static void drip(OutputStream out, String line, Duration pause) throws IOException, InterruptedException {
        String text = line + "\r\n";
        if (pause.isZero()) {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return;
        }
        for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
            out.write(b);
            out.flush();
            Thread.sleep(pause.toMillis());
        }
    }
}
