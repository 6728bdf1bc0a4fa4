package io.github.smtpd.mode;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that sends several messages on one connection costs the upstream one connection, not one each. */
class ProxyConnectionReuseTest {

    private final RecordingProcessor delivered = new RecordingProcessor();

    private final AtomicInteger upstreamSessions = new AtomicInteger();

    private final AtomicInteger upstreamOpen = new AtomicInteger();

    private SmtpServer upstream;

    private SmtpServer proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.stop(Duration.ZERO);
        }
        if (upstream != null) {
            upstream.stop(Duration.ZERO);
        }
    }

    @Test
    void oneUpstreamConnectionServesEveryTransactionOfAClientConnection() throws Exception {
        upstream = TestServers.loopback().hostName("upstream.test").messageProcessor(delivered)
            .listener(new SmtpServerListener() {
                @Override
                public void sessionOpened(SmtpSession session) {
                    upstreamSessions.incrementAndGet();
                    upstreamOpen.incrementAndGet();
                }

                @Override
                public void sessionClosed(SmtpSession session) {
                    upstreamOpen.decrementAndGet();
                }
            })
            .build();
        upstream.start();
        proxy = TestServers.loopback()
            .handler(new ProxyMode(ProxyOptions.of("127.0.0.1:" + upstream.getPort())))
            .build();
        proxy.start();
        try (RawClient client = RawClient.connect(TestServers.address(proxy))) {
            client.command("EHLO client.test");
            for (int i = 0; i < 3; i++) {
                assertThat(client.command("MAIL FROM:<a@example.org>")).isEqualTo("250 2.1.0 OK");
                assertThat(client.command("RCPT TO:<b" + i + "@example.org>")).isEqualTo("250 2.1.5 OK");
                client.command("DATA");
                assertThat(client.command("Subject: " + i + "\r\n\r\nbody\r\n.")).isEqualTo("250 2.0.0 OK");
            }
            // An abandoned transaction is reset upstream, and the connection still serves the next one.
            client.command("MAIL FROM:<a@example.org>");
            client.command("RCPT TO:<abandoned@example.org>");
            assertThat(client.command("RSET")).isEqualTo("250 2.0.0 OK");
            client.command("MAIL FROM:<a@example.org>");
            client.command("RCPT TO:<last@example.org>");
            client.command("DATA");
            assertThat(client.command("Subject: last\r\n\r\nbody\r\n.")).isEqualTo("250 2.0.0 OK");
            assertThat(client.command("QUIT")).startsWith("221");
        }
        assertThat(delivered.all()).hasSize(4);
        assertThat(delivered.all().get(3).message().rcptTos()).containsExactly("last@example.org");
        assertThat(upstreamSessions.get()).isEqualTo(1);
        // The kept connection is closed when the client's session ends.
        for (int i = 0; i < 500 && upstreamOpen.get() > 0; i++) {
            Thread.sleep(10);
        }
        assertThat(upstreamOpen.get()).isZero();
    }
}
