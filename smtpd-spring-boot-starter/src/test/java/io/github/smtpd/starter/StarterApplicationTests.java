package io.github.smtpd.starter;

import java.util.Properties;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/** A new application with only the starter receives mail from a real client. */
@SpringBootTest(properties = { "smtpd.localaddr=127.0.0.1:0" })
class StarterApplicationTests {

    @LocalSmtpdPort
    int port;

    @Autowired
    StarterApplication application;

    @Autowired
    ApplicationContext context;

    @Test
    void receivesMail() throws Exception {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(port));
        MimeMessage message = new MimeMessage(Session.getInstance(properties));
        message.setFrom(new InternetAddress("alice@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject("Starter");
        message.setText("Only the starter.");
        Transport.send(message);

        assertThat(application.received).singleElement().asString()
            .startsWith("alice@example.org -> [bob@example.org]: ")
            .contains("Subject: Starter", "Only the starter.");
    }

    @Test
    void runsWithoutAWebServer() {
        // The starter brings no web stack: the SMTP server's own non-daemon event loop keeps such an
        // application running.
        assertThat(ClassUtils.isPresent("org.springframework.web.context.WebApplicationContext", null)).isFalse();
        assertThat(context.getBean(SmtpServer.class).getPort()).isEqualTo(port);
    }
}
