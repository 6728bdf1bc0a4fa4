package io.github.smtpd.autoconfigure.metrics;

import java.nio.file.Path;
import java.time.Duration;

import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpServerCustomizer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.autoconfigure.testsupport.Mail;
import io.github.smtpd.autoconfigure.testsupport.RawSmtpClient;
import io.github.smtpd.autoconfigure.testsupport.TestCertificates;
import io.github.smtpd.autoconfigure.testsupport.VerdictProcessor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The SMTP server's meters, in Boot's own simple registry, after real clients talked to a running server. */
class SmtpdMetricsAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                SmtpdAutoConfiguration.class, SmtpdModeAutoConfiguration.class, SmtpdMetricsAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=metrics.example.org");

    @Test
    void countsAuthRefusedToAClientThatFailedTooOftenAcrossConnections() {
        runner.withPropertyValues("smtpd.auth.allow-plaintext=true", "smtpd.auth.failure-delay=0s",
                "smtpd.auth.max-failures-per-client=2", "smtpd.auth.failure-window=1h")
            .withBean(io.github.smtpd.SmtpAuthenticator.class, () -> (session, user, password) -> null)
            .run((context) -> {
                int port = context.getBean(SmtpServer.class).getPort();
                String plain = java.util.Base64.getEncoder().encodeToString("\0alice\0guess".getBytes());
                for (int attempt = 0; attempt < 3; attempt++) {
                    try (RawSmtpClient client = new RawSmtpClient(port)) {
                        client.reply();
                        client.command("EHLO c");
                        assertThat(client.command("AUTH PLAIN " + plain)).startsWith(attempt < 2 ? "535 " : "454 4.7.0");
                    }
                }
                assertThat(context.getBean(MeterRegistry.class).get("smtpd.auth.limited").counter().count()).isEqualTo(1);
            });
    }

    @Test
    void countsCommandsByVerbAndReplyClassAndMeasuresMessages() {
        runner.withBean(MessageProcessor.class, VerdictProcessor::new).run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(Mail.sendTo(port, "bob@example.org")).isEqualTo(250);
            assertThat(Mail.sendTo(port, "reject@example.org")).isEqualTo(550);

            assertThat(commands(registry, "EHLO", "2xx")).isEqualTo(2);
            assertThat(commands(registry, "MAIL", "2xx")).isEqualTo(2);
            assertThat(commands(registry, "RCPT", "2xx")).isEqualTo(2);
            assertThat(commands(registry, "DATA", "2xx")).isEqualTo(1);
            assertThat(commands(registry, "DATA", "5xx")).isEqualTo(1);
            assertThat(commands(registry, "QUIT", "2xx")).isEqualTo(2);

            DistributionSummary size = registry.get("smtpd.messages.size").summary();
            assertThat(size.count()).isEqualTo(2);
            assertThat(size.totalAmount()).isPositive();
            assertThat(size.getId().getBaseUnit()).isEqualTo("bytes");
            DistributionSummary recipients = registry.get("smtpd.messages.recipients").summary();
            assertThat(recipients.count()).isEqualTo(2);
            assertThat(recipients.totalAmount()).isEqualTo(2);

            // The session's end is seen by the server just after the client read the reply to QUIT.
            await().atMost(Duration.ofSeconds(10))
                .until(() -> registry.find("smtpd.sessions").tag("outcome", "quit").timer() != null
                        && registry.get("smtpd.sessions").tag("outcome", "quit").timer().count() == 2);
            assertThat(registry.find("smtpd.relay").meter()).isNull();
        });
    }

    @Test
    void countsMessagesRefusedBeforeProcessing() {
        runner.withPropertyValues("smtpd.data-size-limit=100B").withBean(MessageProcessor.class, VerdictProcessor::new)
            .run((context) -> {
                int port = context.getBean(SmtpServer.class).getPort();
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                assertThat(Mail.sendTo(port, "bob@example.org")).isEqualTo(552);
                assertThat(registry.get("smtpd.messages.refused").tag("reply.class", "5xx").counter().count())
                    .isEqualTo(1);
                assertThat(registry.find("smtpd.messages.size").summary().count()).isZero();
            });
    }

    @Test
    void commandTagsComeFromAFixedSet() {
        runner.withBean(SmtpServerCustomizer.class,
                () -> (builder) -> builder.command("XTEST", (session, argument) -> session.reply(250, "tested")))
            .run((context) -> {
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                try (RawSmtpClient client = new RawSmtpClient(context.getBean(SmtpServer.class).getPort())) {
                    client.reply();
                    assertThat(client.command("XYZZY 127.0.0.1 alice@example.org")).startsWith("500");
                    assertThat(client.command("XTEST")).startsWith("250");
                    assertThat(client.command("NOOP")).startsWith("250");
                }
                assertThat(commands(registry, "UNKNOWN", "5xx")).isEqualTo(1);
                assertThat(commands(registry, "OTHER", "2xx")).isEqualTo(1);
                assertThat(commands(registry, "NOOP", "2xx")).isEqualTo(1);
                // Whatever a client types, no tag value other than the fixed ones appears.
                assertThat(registry.get("smtpd.commands").counters())
                    .allSatisfy((counter) -> assertThat(counter.getId().getTag("command"))
                        .isIn("UNKNOWN", "OTHER", "NOOP"));
            });
    }

    @Test
    void activeSessionsGauge() {
        runner.run((context) -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.get("smtpd.sessions.active").gauge().value()).isZero();
            try (RawSmtpClient client = new RawSmtpClient(context.getBean(SmtpServer.class).getPort())) {
                assertThat(client.reply()).startsWith("220");
                assertThat(registry.get("smtpd.sessions.active").gauge().value()).isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(10))
                .until(() -> registry.get("smtpd.sessions.active").gauge().value() == 0);
            await().atMost(Duration.ofSeconds(10))
                .until(() -> registry.find("smtpd.sessions").tag("outcome", "disconnected").timer() != null);
        });
    }

    @Test
    void rejectedConnectionsByReason() {
        runner.run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            server.pause();
            try (RawSmtpClient client = new RawSmtpClient(server.getPort())) {
                assertThat(client.reply()).startsWith("421");
            }
            await().atMost(Duration.ofSeconds(10))
                .until(() -> registry.find("smtpd.connections.rejected").tag("reason", "paused").counter() != null);
            assertThat(registry.get("smtpd.connections.rejected").tag("reason", "paused").counter().count())
                .isEqualTo(1);
        });
    }

    @Test
    void tlsHandshakesBySuccess(@TempDir Path certificates) throws Exception {
        Path keystore = TestCertificates.keystore(certificates, "metrics");
        runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
            .withPropertyValues("smtpd.ssl.bundle=mail", "spring.ssl.bundle.jks.mail.keystore.location=file:" + keystore,
                    "spring.ssl.bundle.jks.mail.keystore.password=" + TestCertificates.PASSWORD,
                    "spring.ssl.bundle.jks.mail.keystore.type=PKCS12")
            .run((context) -> {
                int port = context.getBean(SmtpServer.class).getPort();
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                try (RawSmtpClient client = new RawSmtpClient(port)) {
                    client.reply();
                    client.command("EHLO client.example.org");
                    assertThat(client.command("STARTTLS")).startsWith("220");
                    javax.net.ssl.SSLSocket ssl = upgrade(client, TestCertificates.trusting(keystore), port);
                    ssl.startHandshake();
                    ssl.close();
                }
                try (RawSmtpClient client = new RawSmtpClient(port)) {
                    client.reply();
                    client.command("EHLO client.example.org");
                    assertThat(client.command("STARTTLS")).startsWith("220");
                    client.send("this is not a TLS client hello\r\n");
                }
                await().atMost(Duration.ofSeconds(10))
                    .until(() -> handshakes(registry, "success") == 1 && handshakes(registry, "failure") == 1);
            });
    }

    @Test
    void relayTimerInProxyMode() {
        SmtpServer upstream = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("upstream.test")
            .messageProcessor((message) -> message.rcptTos().get(0).startsWith("reject@")
                    ? Reply.of(550, "5.1.1", "No such user") : null)
            .build();
        upstream.start();
        try {
            runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=127.0.0.1:" + upstream.getPort())
                .run((context) -> {
                    int port = context.getBean(SmtpServer.class).getPort();
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(Mail.sendTo(port, "bob@example.org")).isEqualTo(250);
                    Timer accepted = registry.get("smtpd.relay").tag("outcome", "accepted").timer();
                    assertThat(accepted.count()).isEqualTo(1);
                    assertThat(registry.find("smtpd.relay").tag("outcome", "rejected").timer()).isNull();
                });
        }
        finally {
            upstream.stop(Duration.ZERO);
        }
    }

    @Test
    void withoutMicrometerNothingIsMeasuredAndMailStillFlows() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdMetricsAutoConfiguration.class))
            .withPropertyValues("smtpd.localaddr=127.0.0.1:0")
            .withClassLoader(new FilteredClassLoader("io.micrometer"))
            .run((context) -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(SmtpdMetricsListener.class);
                assertThat(Mail.sendTo(context.getBean(SmtpServer.class).getPort(), "bob@example.org")).isEqualTo(250);
            });
    }

    @Test
    void withoutAMeterRegistryNothingIsMeasured() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdMetricsAutoConfiguration.class))
            .withPropertyValues("smtpd.localaddr=127.0.0.1:0")
            .run((context) -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(SmtpdMetricsListener.class)
                .doesNotHaveBean(SmtpdSessionsMeterBinder.class));
    }

    private static javax.net.ssl.SSLSocket upgrade(RawSmtpClient client, javax.net.ssl.SSLSocketFactory factory,
            int port) throws Exception {
        return (javax.net.ssl.SSLSocket) factory.createSocket(client.socket(), "127.0.0.1", port, true);
    }

    private static double commands(MeterRegistry registry, String command, String replyClass) {
        Counter counter = registry.find("smtpd.commands").tags("command", command, "reply.class", replyClass).counter();
        return counter != null ? counter.count() : 0;
    }

    private static double handshakes(MeterRegistry registry, String outcome) {
        Counter counter = registry.find("smtpd.tls.handshakes").tag("outcome", outcome).counter();
        return counter != null ? counter.count() : 0;
    }
}
