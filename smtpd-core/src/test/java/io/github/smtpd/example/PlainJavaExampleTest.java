package io.github.smtpd.example;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;

import io.github.smtpd.SmtpServer;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's example receives mail from a real client. */
class PlainJavaExampleTest {

    @Test
    void receivesMailFromARealClient() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        SmtpServer server = PlainJavaExample.start("127.0.0.1:0");
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Properties properties = new Properties();
            properties.put("mail.smtp.host", "127.0.0.1");
            properties.put("mail.smtp.port", Integer.toString(server.getPort()));
            MimeMessage mail = new MimeMessage(jakarta.mail.Session.getInstance(properties));
            mail.setFrom("alice@example.org");
            mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.net");
            mail.setSubject("Hi");
            mail.setText("Hello from Jakarta Mail");
            Transport.send(mail);
        }
        finally {
            System.setOut(original);
            server.stop(Duration.ZERO);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("From alice@example.org to [bob@example.net]").contains("Subject: Hi")
                .contains("Hello from Jakarta Mail");
    }
}
