package io.github.smtpd.testing;

import java.time.Duration;
import java.util.List;

import jakarta.mail.Message.RecipientType;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import static org.assertj.core.api.Assertions.assertThat;

/** Sends a few messages marked with the class's name and checks that exactly those arrived. */
final class ParallelMail {

    private ParallelMail() {
    }

    static void sendAndCheck(SmtpdExtension smtpd, String mark) throws Exception {
        for (int i = 0; i < 3; i++) {
            MimeMessage message = new MimeMessage(Session.getInstance(smtpd.mailProperties()));
            message.setFrom(new InternetAddress(mark + "@example.org"));
            message.setRecipient(RecipientType.TO, new InternetAddress("to@example.org"));
            message.setSubject(mark + " " + i);
            message.setText("From the class " + mark);
            Transport.send(message);
        }
        List<CapturedMessage> messages = smtpd.awaitMessages(3, Duration.ofSeconds(10));
        assertThat(messages).hasSize(3).allSatisfy((mail) -> assertThat(mail.sender()).isEqualTo(mark + "@example.org"));
    }
}
