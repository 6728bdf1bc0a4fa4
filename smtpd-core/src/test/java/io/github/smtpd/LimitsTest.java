package io.github.smtpd;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every limit answers with 421/452 and closes only the offending session; others keep being served. */
class LimitsTest extends ServerTestSupport {

    private SmtpServer start(SmtpServer.Builder builder) {
        server = builder.messageProcessor(new RecordingProcessor()).build();
        server.start();
        return server;
    }

    @Test
    void anIdleClientGets421AndIsClosed() throws Exception {
        start(TestServers.loopback().idleTimeout(Duration.ofMillis(300)));
        try (RawClient idle = RawClient.connect(TestServers.address(server));
                RawClient busy = RawClient.connect(TestServers.address(server))) {
            assertThat(idle.readReply()).isEqualTo("421 smtpd.test Error: timeout exceeded");
            assertThat(idle.isClosedByServer()).isTrue();
            assertThat(busy.readReply()).startsWith("421");
        }
        try (RawClient fresh = RawClient.connect(TestServers.address(server))) {
            assertThat(fresh.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void aClientIdleInTheMiddleOfDataGets421() throws Exception {
        start(TestServers.loopback().idleTimeout(Duration.ofMinutes(5)).dataTimeout(Duration.ofMillis(300)));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.openData("HELO c", "a@b.example", "c@d.example");
            client.send("Subject: never finished\r\n");
            assertThat(client.readReply()).isEqualTo("421 smtpd.test Error: timeout exceeded");
            assertThat(client.isClosedByServer()).isTrue();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // without the watchdog both ends block in write for ever
    void aClientThatStopsReadingItsRepliesIsDisconnected() throws Exception {
        start(TestServers.loopback().idleTimeout(Duration.ofMillis(500)).maxBadCommands(Integer.MAX_VALUE));
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.socket().setReceiveBufferSize(4096);
            // Pipelined commands whose replies are never read: once the socket buffers are full, the server's
            // writes block, and only the watchdog can end the session.
            byte[] noops = "NOOP\r\n".repeat(20_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.io.OutputStream out = client.output();
            try {
                for (int i = 0; i < 200; i++) {
                    out.write(noops);
                }
            }
            catch (java.io.IOException ex) {
                // The server closed the connection: what this test waits for.
            }
            for (int i = 0; i < 500 && !server.getSessions().isEmpty(); i++) {
                Thread.sleep(20);
            }
            assertThat(server.getSessions()).isEmpty();
        }
        try (RawClient other = RawClient.connect(TestServers.address(server))) {
            assertThat(other.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void sessionsOverTheCapGet421() throws Exception {
        start(TestServers.loopback().maxSessions(2).maxSessionsPerClient(0));
        try (RawClient first = RawClient.connect(TestServers.address(server));
                RawClient second = RawClient.connect(TestServers.address(server));
                RawClient third = RawClient.open(TestServers.address(server))) {
            assertThat(third.readReply()).startsWith("421 smtpd.test Error: too many connections");
            assertThat(third.isClosedByServer()).isTrue();
            assertThat(first.command("NOOP")).isEqualTo("250 OK");
            assertThat(second.command("NOOP")).isEqualTo("250 OK");
        }
        awaitNoSessions();
        try (RawClient again = RawClient.connect(TestServers.address(server))) {
            assertThat(again.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void sessionsOverThePerClientCapGet421() throws Exception {
        start(TestServers.loopback().maxSessionsPerClient(1));
        try (RawClient first = RawClient.connect(TestServers.address(server));
                RawClient second = RawClient.open(TestServers.address(server))) {
            assertThat(second.readReply()).startsWith("421 smtpd.test Error: too many connections from your address");
            assertThat(first.command("NOOP")).isEqualTo("250 OK");
        }
    }

    @Test
    void clientsInTheExceptedNetworksAreNotCappedPerClient() throws Exception {
        // An outside run: 200 parallel connections of a local application got 50 greetings and 150 x 421. Postfix
        // exempts $mynetworks (smtpd_client_event_limit_exceptions); others keep the cap.
        start(TestServers.loopback().maxSessionsPerClient(1).clientLimitExceptions(List.of(Cidr.parse("127.0.0.1/32"))));
        List<RawClient> local = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                RawClient client = RawClient.open(TestServers.address(server));
                local.add(client);
                assertThat(client.readReply()).startsWith("220 ");
            }
            try (Socket first = TestServers.connectFrom(server, "127.0.0.2"); Socket second = TestServers.connectFrom(server, "127.0.0.2")) {
                assertThat(TestServers.firstLine(first)).startsWith("220 ");
                assertThat(TestServers.firstLine(second)).startsWith("421 smtpd.test Error: too many connections from your address");
            }
        }
        finally {
            for (RawClient client : local) {
                client.close();
            }
        }
    }

    @Test
    void tooManyRecipientsGet452() throws Exception {
        start(TestServers.loopback().maxRecipients(2));
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("HELO c");
            client.command("MAIL FROM:<a@b.example>");
            assertThat(client.command("RCPT TO:<r1@d.example>")).isEqualTo("250 OK");
            assertThat(client.command("RCPT TO:<r2@d.example>")).isEqualTo("250 OK");
            assertThat(client.command("RCPT TO:<r3@d.example>")).isEqualTo("452 Error: too many recipients");
            client.command("DATA");
            assertThat(client.command("x\r\n.")).isEqualTo("250 OK");
        }
    }

    @Test
    void tooManyBadCommandsGet421() throws Exception {
        start(TestServers.loopback().maxBadCommands(3));
        try (RawClient client = RawClient.connect(TestServers.address(server));
                RawClient other = RawClient.connect(TestServers.address(server))) {
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                replies.add(client.command("BOGUS"));
            }
            assertThat(replies).allMatch(reply -> reply.startsWith("500 "));
            assertThat(client.readReply()).isEqualTo("421 smtpd.test Error: too many errors");
            assertThat(client.isClosedByServer()).isTrue();
            assertThat(other.command("NOOP")).isEqualTo("250 OK");
        }
    }

    private void awaitNoSessions() throws InterruptedException {
        for (int i = 0; i < 200 && !server.getSessions().isEmpty(); i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void quitClosesTheConnection() throws IOException {
        start(TestServers.loopback());
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("QUIT")).isEqualTo("221 Bye");
            assertThat(client.isClosedByServer()).isTrue();
        }
    }
}
