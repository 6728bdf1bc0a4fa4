package io.github.smtpd.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo gateway on random ports: real mail in over SMTP, the .eml file on disk, Actuator over HTTP. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0" })
class SmtpdDemoApplicationTests {

    @TempDir
    static Path spool;

    @LocalSmtpdPort
    int smtpPort;

    @LocalServerPort
    int httpPort;

    @DynamicPropertySource
    static void spoolDir(DynamicPropertyRegistry registry) {
        registry.add("demo.spool-dir", () -> spool.toString());
    }

    @Test
    void storesReceivedMailAsEml() throws Exception {
        LogCapture log = new LogCapture();
        Session session = DemoMail.session(smtpPort);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("alice@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject("Hello from the demo test");
        message.setText("It arrived.", "UTF-8");
        Transport.send(message);

        List<Path> stored = files();
        assertThat(stored).singleElement().satisfies((eml) -> {
            assertThat(eml.getFileName().toString()).endsWith(".eml");
            String content = Files.readString(eml, StandardCharsets.UTF_8);
            assertThat(content).contains("Subject: Hello from the demo test", "It arrived.");
            // Stored as received: CRLF line endings, so it opens in any mail client.
            assertThat(content).contains("\r\n");
        });
        // The server's line for the message, then the demo's for where it went.
        try (log) {
            assertThat(log.text()).contains("<alice@example.org> to 1 recipient(s)", "stored as " + stored.get(0));
        }
    }

    @Test
    void actuatorHealthIsUpOverHttp() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"status\":\"UP\"");
    }

    private static List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(spool)) {
            return files.toList();
        }
    }
}
