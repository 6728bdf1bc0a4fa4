package io.github.smtpd.autoconfigure.testsupport;

import java.util.Properties;

import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

/** Sends real mail with Angus Mail (Jakarta Mail) to a server on 127.0.0.1. */
public final class Mail {

    private Mail() {
    }

    /** Sends a plain-text message; throws when the server refuses it. */
    public static void send(int port, String from, String to, String subject, String body) throws MessagingException {
        Session session = Session.getInstance(properties(port));
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(from));
        message.setRecipient(RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        message.setText(body, "UTF-8");
        Transport.send(message);
    }

    /** Sends a message and returns 250, or the code it was refused with (at RCPT or after DATA). */
    public static int sendForCode(int port, String subject) throws MessagingException {
        return codeOf(() -> send(port, "sender@example.org", "rcpt@example.org", subject, "Hello"));
    }

    /** Sends a message to {@code to} and returns 250, or the code it was refused with. */
    public static int sendTo(int port, String to) throws MessagingException {
        return codeOf(() -> send(port, "sender@example.org", to, "Test", "Hello"));
    }

    private interface Sending {

        void send() throws MessagingException;

    }

    /** 250 when the message went through, otherwise the code it was refused with, at RCPT or after. */
    private static int codeOf(Sending sending) throws MessagingException {
        try {
            sending.send();
            return 250;
        }
        catch (SMTPSendFailedException ex) {
            return ex.getReturnCode();
        }
        catch (SendFailedException ex) {
            // Refused at RCPT: the code is on the address's own failure.
            if (ex.getNextException() instanceof SMTPAddressFailedException refused) {
                return refused.getReturnCode();
            }
            throw ex;
        }
    }

    private static Properties properties(int port) {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(port));
        properties.put("mail.smtp.localhost", "client.example.org");
        properties.put("mail.smtp.connectiontimeout", "10000");
        properties.put("mail.smtp.timeout", "10000");
        return properties;
    }
}
