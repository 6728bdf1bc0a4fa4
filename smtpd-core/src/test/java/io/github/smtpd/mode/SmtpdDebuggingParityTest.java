package io.github.smtpd.mode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs Python's own smtpd DebuggingServer (Python 3.11 and older still ship it) and this server side by side,
 * sends both the same conversation and compares what they print, line by line. Skipped where no python3 with
 * the smtpd module is on the PATH; {@link DebuggingModeTest} holds the same expectation written down.
 */
class SmtpdDebuggingParityTest {

    @Test
    void printsWhatALiveSmtpdPrints() throws Exception {
        assumeTrue(pythonHasSmtpd(), "python3 with the smtpd module (Python <= 3.11) is not installed");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process python = new ProcessBuilder("python3", "-W", "ignore", "-u", "-m", "smtpd", "-n", "-c",
                "DebuggingServer", "127.0.0.1:" + port).redirectErrorStream(true).start();
        ByteArrayOutputStream smtpdOut = new ByteArrayOutputStream();
        Thread pump = pump(python.getInputStream(), smtpdOut);
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        SmtpServer server = DebuggingModeTest.smtpdLike()
                .messageProcessor(DebuggingMode.builder()
                        .output(new PrintStream(ours, true, StandardCharsets.UTF_8)).build())
                .build();
        try {
            server.start();
            InetSocketAddress smtpd = new InetSocketAddress("127.0.0.1", port);
            awaitListening(smtpd);
            DebuggingModeTest.sendSmtpdConversation(smtpd);
            DebuggingModeTest.sendSmtpdConversation(TestServers.address(server));
            awaitMessages(smtpdOut, 3);
        }
        finally {
            python.destroy();
            python.waitFor(10, TimeUnit.SECONDS);
            pump.join(5000);
            server.stop(Duration.ZERO);
        }
        String expected;
        synchronized (smtpdOut) {
            expected = smtpdOut.toString(StandardCharsets.UTF_8);
        }
        assertThat(ours.toString(StandardCharsets.UTF_8).lines()).containsExactlyElementsOf(expected.lines().toList());
        assertThat(expected.lines()).containsExactlyElementsOf(DebuggingModeTest.SMTPD_OUTPUT.lines().toList());
    }

    private static boolean pythonHasSmtpd() {
        try {
            Process check = new ProcessBuilder("python3", "-W", "ignore", "-c", "import smtpd")
                    .redirectErrorStream(true).start();
            check.getInputStream().readAllBytes();
            return check.waitFor(30, TimeUnit.SECONDS) && check.exitValue() == 0;
        }
        catch (IOException ex) {
            return false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[4096];
            try {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    synchronized (sink) {
                        sink.write(buffer, 0, read);
                    }
                }
            }
            catch (IOException ex) {
                // The process ended.
            }
        }, "smtpd-stdout");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void awaitListening(InetSocketAddress address) throws InterruptedException {
        for (int attempt = 0; attempt < 200; attempt++) {
            try (Socket socket = new Socket()) {
                socket.connect(address, 1000);
                return;
            }
            catch (IOException ex) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("Python's smtpd did not start listening on " + address);
    }

    private static void awaitMessages(ByteArrayOutputStream sink, int count) throws InterruptedException {
        for (int attempt = 0; attempt < 400; attempt++) {
            synchronized (sink) {
                String text = sink.toString(StandardCharsets.UTF_8);
                if (text.split(SmtpdFormat.END, -1).length > count) {
                    return;
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("Python's smtpd did not print " + count + " messages");
    }
}
