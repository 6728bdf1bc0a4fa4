package io.github.smtpd.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.smtpd.SmtpServer;
import org.junit.jupiter.api.AfterAll;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes a whole session over a real socket: whatever the client sends, nothing throws out of the session (which
 * would show as {@code 421 … internal server error}) and the server still answers the next client.
 */
class SessionFuzzTest {

    private static SmtpServer server;

    private static synchronized SmtpServer server() {
        if (server == null) {
            server = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("fuzz.test").enableSmtpUtf8(true)
                    .idleTimeout(Duration.ofSeconds(2)).dataTimeout(Duration.ofSeconds(2)).maxSessionsPerClient(0)
                    .dataSizeLimit(4096).spoolThreshold(512).maxRecipients(5)
                    .messageProcessor(message -> {
                        message.content();
                        return null;
                    }).build();
            server.start();
        }
        return server;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
            server = null;
        }
    }

    @FuzzTest
    void nothingThrowsOutOfASession(byte[] input) throws IOException {
        // The only connections are to this test's own server on loopback.
        BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", server().getPort());
        StringBuilder replies = new StringBuilder();
        try (Socket socket = new Socket()) {
            socket.connect(address, 2000);
            socket.setSoTimeout(300);
            socket.getOutputStream().write("EHLO fuzz\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(input);
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int read;
            try {
                while ((read = in.read(buffer)) >= 0) {
                    replies.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
                }
            }
            catch (SocketTimeoutException ex) {
                // The session waits for more (e.g. in DATA); what it said so far is what counts.
            }
        }
        catch (java.net.SocketException ex) {
            // Reset by the server after a 421: fine.
        }
        assertThat(replies.toString()).doesNotContain("internal server error");
    }
}
