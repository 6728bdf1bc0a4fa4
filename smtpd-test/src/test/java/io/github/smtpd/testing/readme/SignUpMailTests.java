package io.github.smtpd.testing.readme;

import io.github.smtpd.testing.CapturedMail;
import io.github.smtpd.testing.autoconfigure.AutoConfigureSmtpd;
import io.github.smtpd.testing.boot.MailingApplication;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.mail.MailSendException;

import static io.github.smtpd.testing.SmtpdAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

// The README's Spring Boot example, compiled and run as it is shown there.
@SpringBootTest(classes = MailingApplication.class)
@AutoConfigureSmtpd
class SignUpMailTests {

    @Autowired
    MailingApplication.SignUp signUp;     // sends with JavaMailSender

    @Autowired
    CapturedMail mail;

    @Test
    void sendsTheWelcomeMail() {
        signUp.register("alice@example.org");
        assertThat(mail.awaitMessage()).hasRecipient("alice@example.org").hasSubject("Welcome");
    }

    @Test
    void failsWhenTheServerRefuses() {
        mail.failures().rejectMessage("451 4.3.0 Try again later");
        assertThatThrownBy(() -> signUp.register("bob@example.org")).isInstanceOf(MailSendException.class);
    }
}
