package io.github.smtpd;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The HAProxy PROXY protocol, with hand-built v1 and v2 headers. */
class ProxyProtocolTest extends ServerTestSupport {

    private static final byte[] V2_SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
            0x0A };

    private final RecordingProcessor processor = new RecordingProcessor();

    private void start(String trusted, int perClient) {
        server = TestServers.loopback().proxyProtocol(List.of(Cidr.parse(trusted))).maxSessionsPerClient(perClient)
                .messageProcessor(processor).build();
        server.start();
    }

    private void sendMessage(RawClient client) throws Exception {
        assertThat(client.readReply()).startsWith("220 ");
        client.openData("HELO c", "a@b.example", "c@d.example");
        assertThat(client.command("x\r\n.")).isEqualTo("250 OK");
    }

    @Test
    void aV1HeaderGivesTheRealClientAddress() throws Exception {
        start("127.0.0.0/8", 50);
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.send("PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\n");
            sendMessage(client);
        }
        Message message = processor.next().message();
        assertThat(message.peer().getAddress().getHostAddress()).isEqualTo("203.0.113.7");
        assertThat(message.peer().getPort()).isEqualTo(40000);
    }

    @Test
    void aV2HeaderGivesTheRealClientAddress() throws Exception {
        start("127.0.0.1", 50);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(V2_SIGNATURE);
        header.write(0x21); // version 2, PROXY
        header.write(0x21); // IPv6, stream
        header.write(0);
        header.write(36);
        header.write(InetAddress.getByName("2001:db8::42").getAddress());
        header.write(InetAddress.getByName("::1").getAddress());
        header.write(new byte[] { (byte) 0x9c, 0x40, 0, 25 });
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.send(header.toByteArray());
            sendMessage(client);
        }
        Message message = processor.next().message();
        assertThat(message.peer().getAddress()).isEqualTo(InetAddress.getByName("2001:db8::42"));
        assertThat(message.peer().getPort()).isEqualTo(40000);
    }

    @Test
    void aV2LocalHeaderLeavesThePeerUnknownSoItIsNeverTrusted() throws Exception {
        start("127.0.0.1", 50);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(V2_SIGNATURE);
        header.write(new byte[] { 0x20, 0x00, 0x00, 0x00 });
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.send(header.toByteArray());
            sendMessage(client);
        }
        // The proxy's own connection (a health check) must not borrow the proxy's, often trusted, address.
        assertThat(processor.next().message().peer().getAddress().getHostAddress()).isEqualTo("0.0.0.0");
    }

    @Test
    void aConnectionFromAnUntrustedAddressIsClosed() throws Exception {
        start("192.0.2.0/24", 50);
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.send("PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\n");
            // Closed without a greeting; with the header unread, the close may arrive as a reset.
            assertThat(client.isClosedByServer()).isTrue();
        }
    }

    @Test
    void malformedHeadersCloseTheConnection() throws Exception {
        start("127.0.0.0/8", 50);
        for (String bad : List.of("EHLO c\r\n", "PROXY TCP4 203.0.113.7 127.0.0.1 40000\r\n",
                "PROXY TCP4 2001:db8::1 127.0.0.1 40000 25\r\n", "PROXY TCP4 203.0.113.7 127.0.0.1 99999 25\r\n",
                "PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\n", "PROXY " + "X".repeat(200) + "\r\n",
                // Not literals: refused as they are, never handed to a name lookup.
                "PROXY TCP4 999.1.1.1 127.0.0.1 40000 25\r\n", "PROXY TCP4 localhost 127.0.0.1 40000 25\r\n",
                "PROXY TCP6 ::1::2 ::1 40000 25\r\n")) {
            try (RawClient client = RawClient.open(TestServers.address(server))) {
                client.send(bad);
                assertThat(client.readReply()).as(bad).isNull();
            }
        }
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.send("PROXY UNKNOWN\r\n");
            assertThat(client.readReply()).startsWith("220 ");
        }
    }

    @Test
    void thePerClientLimitCountsTheRealClient() throws Exception {
        start("127.0.0.0/8", 1);
        try (RawClient first = RawClient.open(TestServers.address(server));
                RawClient otherClient = RawClient.open(TestServers.address(server));
                RawClient sameClient = RawClient.open(TestServers.address(server))) {
            first.send("PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\n");
            assertThat(first.readReply()).startsWith("220 ");
            otherClient.send("PROXY TCP4 203.0.113.8 127.0.0.1 40001 25\r\n");
            assertThat(otherClient.readReply()).startsWith("220 ");
            sameClient.send("PROXY TCP4 203.0.113.7 127.0.0.1 40002 25\r\n");
            assertThat(sameClient.readReply()).startsWith("421 smtpd.test Error: too many connections from your address");
        }
    }
}
