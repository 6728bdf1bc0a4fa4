package io.github.smtpd.testing.readme;

import io.github.smtpd.testing.CapturedMessage;
import io.github.smtpd.testing.SmtpdExtension;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.smtpd.testing.SmtpdAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

// The README's plain JUnit 5 example, compiled and run as it is shown there.
class WelcomeMailTest {

    @RegisterExtension
    static SmtpdExtension smtpd = SmtpdExtension.create();

    @Test
    void sendsTheWelcomeMail() throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(smtpd.mailProperties()));
        message.setFrom("shop@example.org");
        message.setRecipients(jakarta.mail.Message.RecipientType.TO, "alice@example.org");
        message.setSubject("Welcome");
        message.setText("Hello Alice");
        Transport.send(message);

        CapturedMessage mail = smtpd.awaitMessage();
        assertThat(mail).hasRecipient("alice@example.org").hasSubject("Welcome").hasTextContaining("Hello Alice");
    }

    @Test
    void reportsARefusedRecipient() throws Exception {
        smtpd.failures().rejectRcpt("alice@example.org", "550 5.1.1 No such user");
        MimeMessage message = new MimeMessage(Session.getInstance(smtpd.mailProperties()));
        message.setFrom("shop@example.org");
        message.setRecipients(jakarta.mail.Message.RecipientType.TO, "alice@example.org");
        message.setText("Hello Alice");

        assertThatThrownBy(() -> Transport.send(message)).isInstanceOf(SendFailedException.class)
            .satisfies((ex) -> org.assertj.core.api.Assertions
                .assertThat(((SendFailedException) ex).getNextException())
                .isInstanceOf(SMTPAddressFailedException.class));
    }
}
