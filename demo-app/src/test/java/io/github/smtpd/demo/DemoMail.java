package io.github.smtpd.demo;

import java.util.Properties;

import jakarta.mail.Session;

/** The Jakarta Mail session the demo's tests send with: to the demo's SMTP port on loopback, as a named client. */
final class DemoMail {

    private DemoMail() {
    }

    static Session session(int smtpPort) {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(smtpPort));
        properties.put("mail.smtp.localhost", "client.example.org");
        return Session.getInstance(properties);
    }
}
