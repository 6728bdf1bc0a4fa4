package io.github.smtpd.testing;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.smtpd.testing.SmtpdAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** STARTTLS, AUTH, SMTPUTF8 and the size limit, each from a real client (Angus Mail). */
class ServerOptionsTests {

    @Nested
    class StartTlsAndAuth {

        @RegisterExtension
        final SmtpdExtension smtpd = SmtpdExtension.create().withStartTls().withAuth("alice", "s3cret");

        @Test
        void aClientTrustingTheTestCertificateSendsOverTlsAfterAuth() throws Exception {
            Session session = Session.getInstance(smtpd.mailProperties());
            Transport.send(message(session, "Secret", "bob@example.org"), "alice", "s3cret");
            assertThat(smtpd.awaitMessage()).wasSentOverTls().wasAuthenticatedAs("alice").hasSubject("Secret");
            assertThat(smtpd.messages().get(0).tlsProtocol()).startsWith("TLSv1.");
        }

        @Test
        void wrongCredentialsAreRefusedAsByARealServer() throws Exception {
            Session session = Session.getInstance(smtpd.mailProperties());
            assertThatThrownBy(() -> Transport.send(message(session, "Nope", "bob@example.org"), "alice", "wrong"))
                .isInstanceOf(AuthenticationFailedException.class);
            assertThat(smtpd.messages()).isEmpty();
        }

        @Test
        void aClientThatDoesNotTrustTheCertificateFails() throws Exception {
            java.util.Properties properties = smtpd.mailProperties();
            properties.remove("mail.smtp.ssl.socketFactory");
            Session session = Session.getInstance(properties);
            assertThatThrownBy(() -> Transport.send(message(session, "Untrusted", "bob@example.org"), "alice", "s3cret"))
                .isInstanceOf(MessagingException.class);
        }
    }

    @Nested
    class SmtpUtf8AndSize {

        @RegisterExtension
        final SmtpdExtension smtpd = SmtpdExtension.create().withSmtpUtf8().withSizeLimit(2000);

        @Test
        void internationalizedAddressesArrive() throws Exception {
            java.util.Properties properties = smtpd.mailProperties();
            properties.put("mail.mime.allowutf8", "true");
            Session session = Session.getInstance(properties);
            Transport.send(message(session, "Grüße", "jörg@bücher.example"));
            assertThat(smtpd.awaitMessage()).hasRecipient("jörg@bücher.example");
            assertThat(smtpd.messages().get(0).mailOptions()).contains("SMTPUTF8");
        }

        @Test
        void aMessageOverTheLimitGets552() throws Exception {
            Session session = Session.getInstance(smtpd.mailProperties());
            MimeMessage big = message(session, "Big", "bob@example.org");
            big.setText("x".repeat(5000));
            assertThatThrownBy(() -> Transport.send(big))
                .isInstanceOf(SMTPSendFailedException.class)
                .satisfies((ex) -> assertThat(((SMTPSendFailedException) ex).getReturnCode()).isEqualTo(552));
        }
    }

    static MimeMessage message(Session session, String subject, String to) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject, "UTF-8");
        message.setText("Hello", "UTF-8");
        return message;
    }
}
