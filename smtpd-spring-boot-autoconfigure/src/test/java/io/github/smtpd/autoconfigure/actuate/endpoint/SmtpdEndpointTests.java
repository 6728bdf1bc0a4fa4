package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.autoconfigure.testsupport.Mail;
import io.github.smtpd.autoconfigure.testsupport.RawSmtpClient;
import io.github.smtpd.autoconfigure.testsupport.VerdictProcessor;
import io.github.smtpd.MessageProcessor;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/** The {@code smtpd} endpoint's operations against a running server that receives real mail. */
class SmtpdEndpointTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdModeAutoConfiguration.class,
                SmtpdEndpointAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=endpoint.example.org",
                "management.endpoints.web.exposure.include=smtpd");

    @Test
    void describesTheServer() {
        runner.run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            SmtpdDescriptor smtpd = context.getBean(SmtpdEndpoint.class).smtpd();
            assertThat(smtpd.address()).isEqualTo("127.0.0.1:" + server.getPort());
            assertThat(smtpd.implicitTlsAddress()).isNull();
            assertThat(smtpd.hostName()).isEqualTo("endpoint.example.org");
            assertThat(smtpd.mode()).isEqualTo("default");
            assertThat(smtpd.state()).isEqualTo("accepting");
            assertThat(smtpd.startedAt()).isNotNull();
            assertThat(Duration.parse(smtpd.uptime()).isNegative()).isFalse();
            assertThat(smtpd.sessions()).isEmpty();
            assertThat(smtpd.totals().sessions()).isZero();
        });
    }

    @Test
    void totalsCountEveryOutcome() {
        runner.withBean(MessageProcessor.class, VerdictProcessor::new).run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            assertThat(Mail.sendTo(port, "bob@example.org")).isEqualTo(250);
            assertThat(Mail.sendTo(port, "reject@example.org")).isEqualTo(550);
            assertThat(Mail.sendTo(port, "defer@example.org")).isEqualTo(451);
            assertThat(Mail.sendTo(port, "boom@example.org")).isEqualTo(451);
            SmtpdEndpoint endpoint = context.getBean(SmtpdEndpoint.class);
            // A session's bytes join the closed total once the server has seen the client go.
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.smtpd().sessions().isEmpty());
            TotalsDescriptor totals = endpoint.smtpd().totals();
            assertThat(totals.sessions()).isEqualTo(4);
            assertThat(totals.messages()).isEqualTo(new TotalsDescriptor.Messages(1, 1, 2));
            assertThat(totals.connectionsRejected()).isZero();
            assertThat(totals.messageBytes()).isPositive();
            // Commands and content as the clients sent them; the message bytes also count the Received header.
            assertThat(totals.bytesIn()).isPositive();
        });
    }

    @Test
    void listsConnectedSessions() {
        runner.run((context) -> {
            SmtpdEndpoint endpoint = context.getBean(SmtpdEndpoint.class);
            try (RawSmtpClient client = new RawSmtpClient(context.getBean(SmtpServer.class).getPort())) {
                assertThat(client.reply()).startsWith("220");
                assertThat(client.command("EHLO client.example.org")).startsWith("250");
                SessionsDescriptor sessions = (SessionsDescriptor) endpoint.section("sessions");
                assertThat(sessions.sessions()).singleElement().satisfies((session) -> {
                    assertThat(session.id()).isNotBlank();
                    assertThat(session.peer()).startsWith("127.0.0.1:");
                    assertThat(session.state()).isEqualTo("command");
                    assertThat(session.heloName()).isEqualTo("client.example.org");
                    assertThat(session.tls()).isFalse();
                    assertThat(session.tlsProtocol()).isNull();
                    assertThat(session.authenticatedUser()).isNull();
                    assertThat(session.bytesIn()).isEqualTo("EHLO client.example.org\r\n".length());
                    assertThat(java.time.Instant.parse(session.since())).isBeforeOrEqualTo(java.time.Instant.now());
                });
                assertThat(endpoint.smtpd().sessions()).isEqualTo(sessions.sessions());
            }
        });
    }

    @Test
    void unknownSectionsAndMessagesOutsideDebuggingModeAreNotFound() {
        runner.run((context) -> {
            SmtpdEndpoint endpoint = context.getBean(SmtpdEndpoint.class);
            assertThat(endpoint.section("nothing")).isNull();
            assertThat(endpoint.section("messages")).isNull();
            assertThat(endpoint.message("messages", "1-1.1")).isNull();
        });
    }

    @Test
    void pausedServerTurnsNewConnectionsAwayWhileRunningSessionsFinish() {
        runner.run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            SmtpdEndpoint endpoint = context.getBean(SmtpdEndpoint.class);
            try (RawSmtpClient running = new RawSmtpClient(port)) {
                assertThat(running.reply()).startsWith("220");
                assertThat(running.command("EHLO client.example.org")).startsWith("250");

                assertThat(endpoint.state("paused").state()).isEqualTo("paused");
                try (RawSmtpClient refused = new RawSmtpClient(port)) {
                    assertThat(refused.reply()).startsWith("421 ").contains("try again later");
                    assertThat(refused.reply()).isNull();
                }
                await().atMost(Duration.ofSeconds(10))
                    .until(() -> endpoint.smtpd().totals().connectionsRejected() == 1);

                // The session that was already connected delivers its message.
                assertThat(running.command("MAIL FROM:<alice@example.org>")).startsWith("250");
                assertThat(running.command("RCPT TO:<bob@example.org>")).startsWith("250");
                assertThat(running.command("DATA")).startsWith("354");
                assertThat(running.command("Subject: paused\r\n\r\nStill delivered\r\n.")).startsWith("250");
            }

            assertThat(endpoint.state(" Accepting ").state()).isEqualTo("accepting");
            assertThat(Mail.sendTo(port, "bob@example.org")).isEqualTo(250);
            assertThat(endpoint.smtpd().totals().messages().accepted()).isEqualTo(2);
        });
    }

    @Test
    void unknownStateIsABadRequest() {
        runner.run((context) -> {
            SmtpdEndpoint endpoint = context.getBean(SmtpdEndpoint.class);
            assertThatExceptionOfType(InvalidEndpointRequestException.class).isThrownBy(() -> endpoint.state("stopped"))
                .satisfies((ex) -> assertThat(ex.getReason()).contains("paused", "accepting"));
            assertThat(context.getBean(SmtpServer.class).isPaused()).isFalse();
        });
    }

    @Test
    void debuggingModeListsKeptMessagesAndReturnsThemRaw() {
        runner.withPropertyValues("smtpd.mode=debugging").run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            Mail.send(port, "alice@example.org", "bob@example.org", "Kept for the endpoint", "Body text");
            SmtpdEndpoint endpoint = context.getBean(SmtpdEndpoint.class);

            CapturedMessagesDescriptor messages = (CapturedMessagesDescriptor) endpoint.section("messages");
            assertThat(messages.capacity()).isEqualTo(100);
            CapturedMessageDescriptor message = messages.messages().get(0);
            assertThat(messages.messages()).hasSize(1);
            assertThat(message.from()).isEqualTo("alice@example.org");
            assertThat(message.to()).containsExactly("bob@example.org");
            assertThat(message.subject()).isEqualTo("Kept for the endpoint");
            assertThat(message.peer()).isEqualTo("127.0.0.1");
            assertThat(message.truncated()).isFalse();
            assertThat(message.receivedAt()).isNotNull();

            byte[] raw = endpoint.message("messages", message.id());
            assertThat(raw).hasSize((int) message.size());
            assertThat(new String(raw, StandardCharsets.UTF_8)).contains("Subject: Kept for the endpoint\r\n",
                    "Body text");
            assertThat(endpoint.message("messages", "no-such-id")).isNull();
            assertThat(endpoint.message("sessions", message.id())).isNull();
        });
    }
}
