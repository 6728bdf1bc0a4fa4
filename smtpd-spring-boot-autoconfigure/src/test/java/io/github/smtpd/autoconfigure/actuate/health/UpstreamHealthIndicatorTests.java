package io.github.smtpd.autoconfigure.actuate.health;

import java.net.ServerSocket;
import java.time.Duration;

import io.github.smtpd.HostPort;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.Protocol;
import io.github.smtpd.Reply;
import io.github.smtpd.autoconfigure.testsupport.ScriptedServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

/** The upstream check against real servers on 127.0.0.1: this project's own, and scripted misbehaving ones. */
class UpstreamHealthIndicatorTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void upWhenAnSmtpUpstreamGreetsAndAcceptsEhlo() {
        SmtpServer upstream = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("upstream.test")
            .messageProcessor((message) -> null).build();
        upstream.start();
        try {
            Health health = check(upstream.getPort(), Protocol.SMTP);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("address", "127.0.0.1:" + upstream.getPort())
                .containsEntry("protocol", "SMTP")
                .containsEntry("hello", "250-upstream.test");
            assertThat((String) health.getDetails().get("greeting")).startsWith("220 upstream.test ");
        }
        finally {
            upstream.stop(Duration.ZERO);
        }
    }

    @Test
    void upWhenAnLmtpUpstreamAcceptsLhlo() {
        SmtpServer mailman = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("mailman.test")
            .protocol(io.github.smtpd.Protocol.LMTP).messageProcessor((message) -> null).build();
        mailman.start();
        try {
            Health health = check(mailman.getPort(), Protocol.LMTP);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("protocol", "LMTP");
        }
        finally {
            mailman.stop(Duration.ZERO);
        }
    }

    @Test
    void fallsBackToHeloAndQuitsPolitely() throws Exception {
        try (ScriptedServer old = new ScriptedServer("220 old.test ready", (line) -> switch (line.split(" ")[0]) {
            case "EHLO" -> "502 Command not implemented";
            case "HELO" -> "250 old.test";
            case "QUIT" -> "221 Bye";
            default -> "500 What?";
        })) {
            Health health = check(old.port(), Protocol.SMTP);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("hello", "250 old.test");
            assertThat(old.received()).containsExactly("EHLO gateway.test", "HELO gateway.test", "QUIT");
        }
    }

    @Test
    void downWhenTheGreetingRefuses() throws Exception {
        try (ScriptedServer busy = new ScriptedServer("554 busy.test no service", (line) -> "221 Bye")) {
            Health health = check(busy.port(), Protocol.SMTP);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("greeting", "554 busy.test no service")
                .doesNotContainKey("hello");
        }
    }

    @Test
    void downWhenTheHelloIsRefused() throws Exception {
        try (ScriptedServer picky = new ScriptedServer("220 picky.test", (line) -> "421 4.3.2 Try later")) {
            Health health = check(picky.port(), Protocol.LMTP);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("hello", "421 4.3.2 Try later");
        }
    }

    @Test
    void downWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        Health health = check(port, Protocol.SMTP);
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("error")).startsWith("ConnectException");
    }

    @Test
    void downWhenTheUpstreamNeverGreets() throws Exception {
        try (ScriptedServer silent = new ScriptedServer(null, (line) -> null)) {
            Health health = new UpstreamHealthIndicator(new HostPort("127.0.0.1", silent.port()), Protocol.SMTP,
                    "gateway.test", Duration.ofMillis(300)).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("error", "no answer within 300 ms");
        }
    }

    @Test
    void downWhenTheReplyIsNotSmtp() throws Exception {
        try (ScriptedServer http = new ScriptedServer("HTTP/1.1 400 Bad Request", (line) -> null)) {
            Health health = check(http.port(), Protocol.SMTP);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            // The relay client's reply reader words it, as it words it in the relay's log.
            assertThat((String) health.getDetails().get("error")).startsWith("ProtocolException: Not an SMTP reply");
        }
    }

    @Test
    void upWhenARealUpstreamRefusesEhloButTakesHelo() {
        SmtpServer old = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("old.test")
            .command("EHLO", (session, argument) -> session.reply(Reply.of(502, "5.5.1", "EHLO not implemented")))
            .messageProcessor((message) -> null).build();
        old.start();
        try {
            Health health = check(old.getPort(), Protocol.SMTP);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat((String) health.getDetails().get("hello")).startsWith("250 ");
        }
        finally {
            old.stop(Duration.ZERO);
        }
    }

    @Test
    void downWhenTheGreetingIs421() throws Exception {
        try (ScriptedServer closing = new ScriptedServer("421 4.3.2 closing.test going away", (line) -> "221 Bye")) {
            Health health = check(closing.port(), Protocol.SMTP);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("greeting", "421 4.3.2 closing.test going away")
                .doesNotContainKey("hello");
        }
    }

    @Test
    void downWithinAboutTheTimeoutWhenTheGreetingDrips() throws Exception {
        // A byte every 100 ms: no read ever waits its timeout, only the deadline of the whole check ends it.
        try (ScriptedServer dripping = new ScriptedServer("220 drip.test " + "x".repeat(2000), (line) -> "250 ok",
                Duration.ofMillis(100))) {
            long start = System.nanoTime();
            Health health = check(dripping.port(), Protocol.SMTP, Duration.ofSeconds(1));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("error", "no answer within 1000 ms")
                .doesNotContainKey("greeting");
        }
    }

    @Test
    void downWithinAboutTheTimeoutWhenTheHelloDrips() throws Exception {
        // The seven bytes of the greeting come in well under the timeout; the hello's 2,000 would take 100 s.
        try (ScriptedServer dripping = new ScriptedServer("220 d", (line) -> "250 " + "y".repeat(2000),
                Duration.ofMillis(50))) {
            long start = System.nanoTime();
            Health health = check(dripping.port(), Protocol.SMTP, Duration.ofSeconds(2));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("greeting", "220 d")
                .containsEntry("error", "no answer within 2000 ms")
                .doesNotContainKey("hello");
        }
    }

    @Test
    void downWhenTheHostIsUnknown() {
        Health health = new UpstreamHealthIndicator(new HostPort("no-such-host.invalid", 25), Protocol.SMTP,
                "gateway.test", TIMEOUT).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("error", "unknown host no-such-host.invalid");
    }

    private static Health check(int port, Protocol protocol) {
        return check(port, protocol, TIMEOUT);
    }

    private static Health check(int port, Protocol protocol, Duration timeout) {
        return new UpstreamHealthIndicator(new HostPort("127.0.0.1", port), protocol, "gateway.test", timeout).health();
    }
}
