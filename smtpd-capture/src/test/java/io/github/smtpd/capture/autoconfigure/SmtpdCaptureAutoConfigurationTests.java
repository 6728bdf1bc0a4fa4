package io.github.smtpd.capture.autoconfigure;

import java.nio.file.Path;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.capture.MessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SmtpdCaptureAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdModeAutoConfiguration.class, SmtpdAutoConfiguration.class,
                SmtpdCaptureAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0");

    @TempDir
    Path dir;

    @Test
    void capturesNothingInTheDefaultMode() {
        runner.run((context) -> assertThat(context).hasSingleBean(SmtpServer.class).doesNotHaveBean(MessageStore.class));
    }

    @Test
    void capturesInDebuggingMode() {
        runner.withPropertyValues("smtpd.mode=debugging").run((context) -> {
            assertThat(context).hasSingleBean(MessageStore.class);
            assertThat(context.getBean(MessageStore.class).isPersistent()).isFalse();
            send(context.getBean(SmtpServer.class).getPort());
            assertThat(context.getBean(MessageStore.class).count()).isEqualTo(1);
        });
    }

    private static void send(int port) throws Exception {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("mail.smtp.host", "127.0.0.1");
        properties.setProperty("mail.smtp.port", Integer.toString(port));
        jakarta.mail.internet.MimeMessage message = new jakarta.mail.internet.MimeMessage(
                jakarta.mail.Session.getInstance(properties));
        message.setFrom("app@example.org");
        message.setRecipients(jakarta.mail.Message.RecipientType.TO, "user@example.org");
        message.setSubject("captured");
        message.setText("hello");
        jakarta.mail.Transport.send(message);
    }

    @Test
    void capturesBesideAnyModeWhenAskedAndNotInDebuggingWhenTurnedOff() {
        runner.withPropertyValues("smtpd.capture.enabled=true")
            .run((context) -> assertThat(context).hasSingleBean(MessageStore.class));
        runner.withPropertyValues("smtpd.mode=debugging", "smtpd.capture.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(MessageStore.class));
    }

    @Test
    void keepsMailInTheFileNamedByPath() {
        Path file = dir.resolve("capture/mail.mv.db");
        runner.withPropertyValues("smtpd.capture.enabled=true", "smtpd.capture.path=" + file,
                "smtpd.capture.max-messages=7", "smtpd.capture.max-size=1MB").run((context) -> {
                    MessageStore store = context.getBean(MessageStore.class);
                    assertThat(store.isPersistent()).isTrue();
                    assertThat(Path.of(store.fileName())).isEqualTo(file);
                    assertThat(store.limits().maxMessages()).isEqualTo(7);
                    assertThat(store.limits().maxBytes()).isEqualTo(1024 * 1024);
                });
    }

    @Test
    void aLimitThatIsNotPositiveFailsNamingTheProperties() {
        runner.withPropertyValues("smtpd.capture.enabled=true", "smtpd.capture.max-messages=0").run((context) -> {
            assertThat(context).hasFailed();
            InvalidSmtpdPropertyException failure = invalidProperty(context.getStartupFailure());
            assertThat(failure.getProperty()).isEqualTo("smtpd.capture.*");
            assertThat(failure.getMessage()).contains("at least 1");
            assertThat(failure.getAdvice()).contains("smtpd.capture.max-messages");
        });
    }

    @Test
    void aStoreFileInUseFailsWithAdvice() {
        Path file = dir.resolve("busy.mv.db");
        try (MessageStore busy = MessageStore.open(file, new MessageStore.Limits(10, 1000, 1))) {
            runner.withPropertyValues("smtpd.capture.enabled=true", "smtpd.capture.path=" + file).run((context) -> {
                assertThat(context).hasFailed();
                InvalidSmtpdPropertyException failure = invalidProperty(context.getStartupFailure());
                assertThat(failure.getProperty()).isEqualTo("smtpd.capture.path");
                assertThat(failure.getMessage()).contains("another process");
            });
        }
    }

    private static InvalidSmtpdPropertyException invalidProperty(Throwable failure) {
        while (failure != null && !(failure instanceof InvalidSmtpdPropertyException)) {
            failure = failure.getCause();
        }
        assertThat(failure).as("an InvalidSmtpdPropertyException in the failure's causes").isNotNull();
        return (InvalidSmtpdPropertyException) failure;
    }
}
