package io.github.smtpd.capture.web;

import java.util.Properties;

import jakarta.activation.DataHandler;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;

/** Sends test mail with Angus Mail, as an application does. */
final class Mail {

    private Mail() {
    }

    static MimeMessage html(int smtpPort, String subject, String html, byte[] attachment) throws MessagingException {
        Session session = session(smtpPort);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("app@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("user@example.org"));
        message.setSubject(subject, "UTF-8");
        MimeBodyPart body = new MimeBodyPart();
        body.setText(html, "UTF-8", "html");
        MimeBodyPart file = new MimeBodyPart();
        file.setDataHandler(new DataHandler(new ByteArrayDataSource(attachment, "application/pdf")));
        file.setFileName("invoice.pdf");
        message.setContent(new MimeMultipart(body, file));
        return message;
    }

    static void send(MimeMessage message, String... envelopeRecipients) throws MessagingException {
        if (envelopeRecipients.length == 0) {
            Transport.send(message);
            return;
        }
        InternetAddress[] recipients = new InternetAddress[envelopeRecipients.length];
        for (int i = 0; i < recipients.length; i++) {
            recipients[i] = new InternetAddress(envelopeRecipients[i]);
        }
        Transport.send(message, recipients);
    }

    static MimeMessage text(int smtpPort, String subject, String text) throws MessagingException {
        MimeMessage message = new MimeMessage(session(smtpPort));
        message.setFrom(new InternetAddress("app@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("user@example.org"));
        message.setSubject(subject, "UTF-8");
        message.setText(text, "UTF-8");
        return message;
    }

    private static Session session(int smtpPort) {
        Properties properties = new Properties();
        properties.setProperty("mail.smtp.host", "127.0.0.1");
        properties.setProperty("mail.smtp.port", Integer.toString(smtpPort));
        properties.setProperty("mail.smtp.connectiontimeout", "5000");
        properties.setProperty("mail.smtp.timeout", "10000");
        return Session.getInstance(properties);
    }
}
