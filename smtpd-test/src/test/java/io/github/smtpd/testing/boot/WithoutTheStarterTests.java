package io.github.smtpd.testing.boot;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.testing.CapturedMail;
import io.github.smtpd.testing.autoconfigure.AutoConfigureSmtpd;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static io.github.smtpd.testing.SmtpdAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/** An application that only sends mail (no smtpd starter of its own): the test gets a server of its own. */
@SpringBootTest(properties = "spring.autoconfigure.exclude=io.github.smtpd.autoconfigure.SmtpdAutoConfiguration")
@AutoConfigureSmtpd
class WithoutTheStarterTests {

    @Autowired
    MailingApplication.SignUp signUp;

    @Autowired
    CapturedMail mail;

    @Autowired
    MailingApplication application;

    @Autowired
    SmtpServer server;

    @Test
    void theTestsOwnServerCapturesTheMail() {
        signUp.register("alice@example.org");
        assertThat(mail.awaitMessage()).hasSubject("Welcome");
        assertThat(server.isRunning()).isTrue();
        // Not the application's server: its processor is not called.
        assertThat(application.ownProcessorSaw).isEmpty();
    }
}
