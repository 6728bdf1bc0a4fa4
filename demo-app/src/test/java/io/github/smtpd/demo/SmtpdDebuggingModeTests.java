package io.github.smtpd.demo;

import java.net.http.HttpResponse;
import java.util.List;
import java.time.Duration;

import com.jayway.jsonpath.JsonPath;
import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import static io.github.smtpd.demo.Actuator.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The demo's debugging profile: what arrived is listed at /actuator/smtpd/messages and served raw. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0" })
@ActiveProfiles("debugging")
@ExtendWith(OutputCaptureExtension.class)
class SmtpdDebuggingModeTests {

    @LocalSmtpdPort
    int smtpPort;

    @LocalServerPort
    int httpPort;

    @Test
    void standardOutputCarriesTheMessagesAlone(CapturedOutput output) throws Exception {
        // As `python3 -m smtpd -c DebuggingServer > mail.log`: the profile sends log lines to a file, not here.
        String subject = "Alone " + System.nanoTime();
        send(subject);
        await().atMost(Duration.ofSeconds(10)).until(() -> output.getOut().contains("------------ END MESSAGE"));
        String out = output.getOut();
        assertThat(out).contains("---------- MESSAGE FOLLOWS ----------", "Subject: " + subject);
        // Not the server's line for the message, which a console logger would have written beside the print.
        assertThat(out.lines().filter((line) -> line.contains("Message ") && line.contains(" INFO ")))
            .as("log lines on standard output").isEmpty();
        assertThat(out).doesNotContain("stored as");
    }

    @Test
    void listsTheMessageAndServesItRaw() throws Exception {
        Actuator actuator = new Actuator(httpPort);
        String subject = "Debugging " + System.nanoTime();
        send(subject);

        assertThat(text(actuator.get("/smtpd"), "$.mode")).isEqualTo("debugging");
        HttpResponse<String> messages = actuator.get("/smtpd/messages");
        assertThat(messages.statusCode()).isEqualTo(200);
        List<String> ids = JsonPath.read(messages.body(), "$.messages[?(@.subject == '" + subject + "')].id");
        assertThat(ids).hasSize(1);
        String id = ids.get(0);
        String listed = "$.messages[?(@.id == '" + id + "')]";
        assertThat(JsonPath.<List<String>>read(messages.body(), listed + ".from")).containsExactly("alice@example.org");
        assertThat(JsonPath.<List<List<String>>>read(messages.body(), listed + ".to"))
            .containsExactly(List.of("bob@example.org"));
        assertThat(JsonPath.<List<Boolean>>read(messages.body(), listed + ".truncated")).containsExactly(false);

        HttpResponse<String> raw = actuator.get("/smtpd/messages/" + id, "*/*");
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().firstValue("Content-Type")).hasValueSatisfying(
                (type) -> assertThat(type).startsWith("message/rfc822"));
        assertThat(raw.body()).contains("Subject: " + subject + "\r\n", "From: alice@example.org", "Kept raw.");
        long size = JsonPath.<List<Number>>read(messages.body(), listed + ".size").get(0).longValue();
        assertThat(raw.body().getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize((int) size);

        HttpResponse<String> asText = actuator.get("/smtpd/messages/" + id, "text/plain");
        assertThat(asText.statusCode()).isEqualTo(200);
        assertThat(asText.headers().firstValue("Content-Type")).hasValueSatisfying(
                (type) -> assertThat(type).startsWith("text/plain"));

        assertThat(actuator.get("/smtpd/messages/no-such-id", "*/*").statusCode()).isEqualTo(404);
    }

    private void send(String subject) throws Exception {
        MimeMessage message = new MimeMessage(DemoMail.session(smtpPort));
        message.setFrom(new InternetAddress("alice@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject(subject);
        message.setText("Kept raw.", "UTF-8");
        Transport.send(message);
    }
}
