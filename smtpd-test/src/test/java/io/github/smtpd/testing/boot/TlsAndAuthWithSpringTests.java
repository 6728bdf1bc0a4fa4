package io.github.smtpd.testing.boot;

import io.github.smtpd.testing.CapturedMail;
import io.github.smtpd.testing.autoconfigure.AutoConfigureSmtpd;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static io.github.smtpd.testing.SmtpdAssertions.assertThat;

/** STARTTLS and AUTH from JavaMailSender, configured by the annotation alone. */
@SpringBootTest
@AutoConfigureSmtpd(startTls = true, username = "mailer", password = "s3cret")
class TlsAndAuthWithSpringTests {

    @Autowired
    MailingApplication.SignUp signUp;

    @Autowired
    CapturedMail mail;

    @Test
    void javaMailSenderUsesStartTlsAndAuthenticates() {
        signUp.register("alice@example.org");
        assertThat(mail.awaitMessage()).wasSentOverTls().wasAuthenticatedAs("mailer").hasSubject("Welcome");
    }
}
