package io.github.smtpd.autoconfigure.context;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.MessageProcessor;
import io.github.smtpd.SessionState;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.task.SmtpdTaskExecutorAutoConfiguration;
import io.github.smtpd.autoconfigure.testsupport.RawSmtpClient;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Graceful shutdown: a message in the middle of DATA when the context closes is either processed and
 * acknowledged with 250, or refused with 421 and not processed; never acknowledged and dropped.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmtpServerBootstrapTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdTaskExecutorAutoConfiguration.class))
        .withUserConfiguration(Inbox.class)
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=test.example.org");

    @Test
    void runsInTheWebServerPhase() {
        assertThat(SmtpServerBootstrap.PHASE).isEqualTo(SmartLifecycle.DEFAULT_PHASE - 2048);
        runner.run((context) -> assertThat(context.getBean(SmtpServerBootstrap.class).getPhase())
            .isEqualTo(Integer.MAX_VALUE - 2048));
    }

    @Test
    void aMessageInDataWhenTheContextClosesIsFinishedAndAcknowledged() {
        runner.withPropertyValues("smtpd.shutdown-grace-period=30s").run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            Inbox inbox = context.getBean(Inbox.class);
            try (RawSmtpClient client = startMessage(server)) {
                CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
                // The drain has begun once the server stops listening; the rest of the message comes after.
                await().atMost(Duration.ofSeconds(30)).until(() -> !server.isRunning());
                client.send("second half\r\n.\r\n");
                assertThat(client.reply()).startsWith("250");
                assertThat(inbox.bodies).singleElement().asString().contains("first half", "second half");
                // Between transactions a draining server says goodbye instead of waiting for the next command.
                assertThat(client.reply()).startsWith("421");
                closing.get(30, TimeUnit.SECONDS);
            }
        });
    }

    @Test
    void aMessageStillInDataWhenTheGracePeriodEndsIsRefusedWith421() {
        runner.withPropertyValues("smtpd.shutdown-grace-period=50ms").run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            Inbox inbox = context.getBean(Inbox.class);
            try (RawSmtpClient client = startMessage(server)) {
                // close() returns after the drain: the grace period has ended with the message unfinished.
                context.close();
                assertThat(client.reply()).startsWith("421");
                try {
                    client.send("second half\r\n.\r\n");
                }
                catch (java.io.IOException ex) {
                    // The connection is closed; the client keeps the message and retries later.
                }
                assertThat(client.reply()).isNull();
                assertThat(inbox.bodies).isEmpty();
            }
        });
    }

    @RepeatedTest(5)
    void aMessageEndingWhileTheContextClosesIsNeverAcknowledgedAndDropped() {
        runner.withPropertyValues("smtpd.shutdown-grace-period=1s").run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            Inbox inbox = context.getBean(Inbox.class);
            try (RawSmtpClient client = startMessage(server)) {
                // Race the end of the message against the shutdown; either outcome is fine, losing it is not.
                CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
                String reply;
                try {
                    client.send("second half\r\n.\r\n");
                    reply = client.reply();
                }
                catch (java.io.IOException ex) {
                    reply = null;
                }
                closing.get(30, TimeUnit.SECONDS);
                if (reply != null && reply.startsWith("250")) {
                    assertThat(inbox.bodies).singleElement().asString().contains("second half");
                }
                else {
                    // Refused or cut off: the client keeps the message and retries. If the grace period ended
                    // just after the processor ran, the retry is a duplicate, never a loss.
                    assertThat(reply).as("refusal").satisfiesAnyOf((text) -> assertThat(text).isNull(),
                            (text) -> assertThat(text).startsWith("421"));
                }
            }
        });
    }

    @Test
    void idleSessionsAreClosedWith421AtOnce() {
        runner.withPropertyValues("smtpd.shutdown-grace-period=30s").run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            try (RawSmtpClient client = new RawSmtpClient(server.getPort())) {
                assertThat(client.reply()).startsWith("220");
                assertThat(client.command("EHLO client.example.org")).startsWith("250");
                context.close();
                assertThat(client.reply()).startsWith("421");
            }
        });
    }

    @Test
    void warnsWhenTheGracePeriodOutlastsSpringsShutdownPhase(CapturedOutput output) {
        runner.withPropertyValues("smtpd.shutdown-grace-period=10s").run((context) -> assertThat(context).hasNotFailed());
        assertThat(output.getOut()).doesNotContain("smtpd.shutdown-grace-period (");
        runner.withPropertyValues("smtpd.shutdown-grace-period=45s").run((context) -> assertThat(context).hasNotFailed());
        assertThat(output.getOut()).contains("smtpd.shutdown-grace-period (PT45S) is not shorter than "
                + "spring.lifecycle.timeout-per-shutdown-phase (PT30S)");
        runner.withPropertyValues("smtpd.shutdown-grace-period=45s", "spring.lifecycle.timeout-per-shutdown-phase=1m")
            .run((context) -> assertThat(context).hasNotFailed());
        assertThat(output.getOut().split("is not shorter than", -1)).hasSize(2);
    }

    /** Opens a transaction and sends the first half of a message, then waits until the server is in DATA. */
    private static RawSmtpClient startMessage(SmtpServer server) throws Exception {
        RawSmtpClient client = new RawSmtpClient(server.getPort());
        assertThat(client.reply()).startsWith("220");
        assertThat(client.command("EHLO client.example.org")).startsWith("250");
        assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
        assertThat(client.command("RCPT TO:<b@example.org>")).startsWith("250");
        assertThat(client.command("DATA")).startsWith("354");
        client.send("Subject: shutdown\r\n\r\nfirst half\r\n");
        await().atMost(Duration.ofSeconds(30))
            .until(() -> server.getSessions().stream().anyMatch((session) -> session.state() == SessionState.DATA));
        return client;
    }

    @Configuration(proxyBeanMethods = false)
    static class Inbox {

        final List<String> bodies = new CopyOnWriteArrayList<>();

        @Bean
        MessageProcessor inbox() {
            return (message) -> {
                bodies.add(message.text());
                return null;
            };
        }
    }
}
