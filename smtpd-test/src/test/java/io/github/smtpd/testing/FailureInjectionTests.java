package io.github.smtpd.testing;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Properties;

import jakarta.mail.Address;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each kind of failure, seen by a real client (Angus Mail) as the exception a real server would cause. */
class FailureInjectionTests {

    @RegisterExtension
    static SmtpdExtension smtpd = SmtpdExtension.create().perClass();

    @Test
    void aRecipientRefusedWith550IsAnInvalidAddress() throws Exception {
        smtpd.failures().rejectRcpt("nobody@example.org", "550 5.1.1 No such user");
        MimeMessage message = message("alice@example.org", "nobody@example.org");
        // Angus sends to the valid recipients when asked to, and reports the invalid ones.
        SendFailedException failure = catchSend(message, "mail.smtp.sendpartial", "true");
        assertThat(failure.getInvalidAddresses()).extracting(Address::toString).containsExactly("nobody@example.org");
        assertThat(failure.getValidSentAddresses()).extracting(Address::toString).containsExactly("alice@example.org");
        assertThat(smtpd.awaitMessage().recipients()).containsExactly("alice@example.org");
    }

    @Test
    void aRecipientRefusedWith452OnceSucceedsOnTheRetry() throws Exception {
        smtpd.failures().rejectRcpt(null, "452 4.5.3 Too many recipients", 1);
        SendFailedException failure = catchSend(message("alice@example.org"));
        assertThat(failure.getNextException()).isInstanceOf(SMTPAddressFailedException.class);
        assertThat(((SMTPAddressFailedException) failure.getNextException()).getReturnCode()).isEqualTo(452);
        Transport.send(message("alice@example.org"));
        assertThat(smtpd.awaitMessage().recipients()).containsExactly("alice@example.org");
    }

    @Test
    void aRefusedSenderIsASendFailure() throws Exception {
        smtpd.failures().rejectMail("553 5.7.1 Sender rejected");
        SendFailedException failure = catchSend(message("alice@example.org"));
        assertThat(failure).isInstanceOf(SMTPSendFailedException.class);
        assertThat(((SMTPSendFailedException) failure).getReturnCode()).isEqualTo(553);
        assertThat(((SMTPSendFailedException) failure).getCommand()).startsWith("MAIL FROM:");
    }

    @Test
    void aRefusedDataCommandIsASendFailure() throws Exception {
        smtpd.failures().rejectData("554 5.3.4 Not now");
        SendFailedException failure = catchSend(message("alice@example.org"));
        assertThat(((SMTPSendFailedException) failure).getReturnCode()).isEqualTo(554);
        assertThat(((SMTPSendFailedException) failure).getCommand()).isEqualTo("DATA");
        assertThat(smtpd.messages()).isEmpty();
    }

    @Test
    void aRefusedMessageIsASendFailureAndIsNotCaptured() throws Exception {
        smtpd.failures().rejectMessage("451 4.3.0 Queue full, try later");
        SendFailedException failure = catchSend(message("alice@example.org"));
        assertThat(((SMTPSendFailedException) failure).getReturnCode()).isEqualTo(451);
        assertThat(smtpd.messages()).isEmpty();
    }

    @Test
    void aGreetingOf421IsAConnectFailure() throws Exception {
        smtpd.failures().greetWith421();
        assertThatThrownBy(() -> Transport.send(message("alice@example.org")))
            .isInstanceOf(MessagingException.class)
            .hasMessageContaining("421");
        // reset() (run before each test, or by hand) accepts connections again.
        smtpd.failures().reset();
        Transport.send(message("alice@example.org"));
        assertThat(smtpd.awaitMessage()).isNotNull();
    }

    @Test
    void aConnectionDroppedAtDataIsAFailureAndNothingArrives() throws Exception {
        smtpd.failures().dropConnectionAt("DATA");
        assertThatThrownBy(() -> Transport.send(message("alice@example.org"))).isInstanceOf(MessagingException.class);
        assertThat(smtpd.messages()).isEmpty();
    }

    @Test
    void aSlowServerMakesTheClientTimeOut() throws Exception {
        smtpd.failures().delayReplies(Duration.ofSeconds(2));
        Properties properties = smtpd.mailProperties();
        properties.put("mail.smtp.timeout", "300");
        MimeMessage message = message(Session.getInstance(properties), "alice@example.org");
        assertThatThrownBy(() -> Transport.send(message)).isInstanceOf(MessagingException.class)
            .satisfies((ex) -> assertThat(causes(ex)).anyMatch(SocketTimeoutException.class::isInstance));
    }

    @Test
    void anOrdinaryReplyIsNotAFailure() {
        assertThatThrownBy(() -> smtpd.failures().rejectRcpt(null, "250 OK"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4xx or 5xx");
    }

    private static java.util.List<Throwable> causes(Throwable failure) {
        java.util.List<Throwable> all = new java.util.ArrayList<>();
        for (Throwable cause = failure; cause != null; cause = cause.getCause() != null ? cause.getCause()
                : (cause instanceof MessagingException messaging ? messaging.getNextException() : null)) {
            all.add(cause);
        }
        return all;
    }

    private static SendFailedException catchSend(MimeMessage message, String... properties) {
        try {
            Properties props = smtpd.mailProperties();
            for (int i = 0; i + 1 < properties.length; i += 2) {
                props.put(properties[i], properties[i + 1]);
            }
            Session session = Session.getInstance(props);
            Transport transport = session.getTransport("smtp");
            transport.connect();
            try {
                transport.sendMessage(message, message.getAllRecipients());
            }
            finally {
                transport.close();
            }
        }
        catch (SendFailedException ex) {
            return ex;
        }
        catch (MessagingException ex) {
            throw new AssertionError("Expected a SendFailedException", ex);
        }
        throw new AssertionError("The message was sent");
    }

    private static MimeMessage message(String... to) throws MessagingException {
        return message(Session.getInstance(smtpd.mailProperties()), to);
    }

    private static MimeMessage message(Session session, String... to) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("sender@example.org"));
        for (String recipient : to) {
            message.addRecipient(RecipientType.TO, new InternetAddress(recipient));
        }
        message.setSubject("Injected");
        message.setText("Hello");
        return message;
    }
}
