package io.github.smtpd.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import jakarta.activation.DataHandler;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.smtpd.testing.SmtpdAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The extension with a real client (Angus Mail): what a captured message tells a test. */
class SmtpdExtensionTests {

    @RegisterExtension
    static SmtpdExtension smtpd = SmtpdExtension.create().withSmtpUtf8();

    @Test
    void capturesTheEnvelopeTheRawBytesAndTheParsedMessage() throws Exception {
        Session session = Session.getInstance(smtpd.mailProperties());
        session.getProperties().put("mail.smtp.localhost", "client.example.org");
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("shop@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("alice@example.org"));
        message.setRecipient(RecipientType.BCC, new InternetAddress("audit@example.org"));
        message.setSubject("Ihre Bestellung – Größe M ✓", "UTF-8");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("Danke für Ihre Bestellung.", "UTF-8");
        MimeBodyPart html = new MimeBodyPart();
        html.setContent("<p>Danke für Ihre <b>Bestellung</b>.</p>", "text/html; charset=UTF-8");
        MimeMultipart alternative = new MimeMultipart("alternative", text, html);
        MimeBodyPart body = new MimeBodyPart();
        body.setContent(alternative);
        MimeBodyPart invoice = new MimeBodyPart();
        byte[] pdf = "%PDF-1.4 not really".getBytes(StandardCharsets.US_ASCII);
        invoice.setDataHandler(new DataHandler(new ByteArrayDataSource(pdf, "application/pdf")));
        invoice.setFileName("Rechnung-Nr.1.pdf");
        message.setContent(new MimeMultipart("mixed", body, invoice));
        Transport.send(message);

        CapturedMessage mail = smtpd.awaitMessage();
        assertThat(mail).hasSender("shop@example.org").hasRecipient("alice@example.org")
            .hasRecipient("audit@example.org")
            .hasSubject("Ihre Bestellung – Größe M ✓")
            .hasTextContaining("Danke für Ihre Bestellung.")
            .hasHtmlContaining("<b>Bestellung</b>")
            .hasAttachment("Rechnung-Nr.1.pdf", "application/pdf", pdf)
            .hasHeader("To", "alice@example.org");
        assertThat(mail.helo()).isEqualTo("client.example.org");
        assertThat(mail.clientAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(mail.isTls()).isFalse();
        assertThat(mail.authenticatedUser()).isNull();
        // Exactly what the client sent: no Received header of the server's own.
        assertThat(mail.rawText()).doesNotContain("Received:").contains("Subject: =?UTF-8?");
        assertThat(smtpd.messages()).containsExactly(mail);
    }

    @Test
    void eachTestMethodStartsWithNoMessages() {
        // perMethod() is the default: a new server per test, so nothing of the other test is here.
        assertThat(smtpd.messages()).isEmpty();
    }

    @Test
    void aFailedWaitSaysWhatDidArrive() throws Exception {
        send("Only one");
        assertThatThrownBy(() -> smtpd.awaitMessages(2, Duration.ofMillis(300)))
            .isInstanceOf(AssertionError.class)
            .hasMessageStartingWith("Expected 2 messages within 300 ms, but 1 arrived:")
            .hasMessageContaining("from <a@example.org> to [b@example.org]")
            .hasMessageContaining("subject \"Only one\"");
        assertThatThrownBy(() -> smtpd.awaitMessages(3, Duration.ofMillis(10)))
            .hasMessageContaining("1 arrived");
    }

    @Test
    void aFailedAssertionNamesWhatWasThere() throws Exception {
        send("Hello");
        CapturedMessage mail = smtpd.awaitMessage();
        assertThatThrownBy(() -> assertThat(mail).hasSubject("Goodbye"))
            .hasMessageContaining("Expected the subject").hasMessageContaining("<Hello>");
        assertThatThrownBy(() -> assertThat(mail).hasRecipient("carol@example.org"))
            .hasMessageContaining("[b@example.org]");
    }

    @Test
    void clearForgetsTheMessages() throws Exception {
        send("First");
        smtpd.awaitMessage();
        smtpd.clear();
        assertThat(smtpd.messages()).isEmpty();
        send("Second");
        List<CapturedMessage> messages = smtpd.awaitMessages(1, Duration.ofSeconds(10));
        assertThat(messages).singleElement().extracting(CapturedMessage::subject).isEqualTo("Second");
    }

    static void send(String subject) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(smtpd.mailProperties()));
        message.setFrom(new InternetAddress("a@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("b@example.org"));
        message.setSubject(subject);
        message.setText("Body of " + subject);
        Transport.send(message);
    }
}
