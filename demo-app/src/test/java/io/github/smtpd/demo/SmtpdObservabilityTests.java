package io.github.smtpd.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.jayway.jsonpath.JsonPath;
import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static io.github.smtpd.demo.Actuator.number;
import static io.github.smtpd.demo.Actuator.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo gateway watched and operated over HTTP: mail goes in with Angus Mail, and /actuator/smtpd,
 * /actuator/health and /actuator/metrics move exactly as they should. Every check reads the numbers before and
 * after, so the tests do not depend on each other's order.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0" })
class SmtpdObservabilityTests {

    @TempDir
    static Path spool;

    @LocalSmtpdPort
    int smtpPort;

    @LocalServerPort
    int httpPort;

    private Actuator actuator;

    @DynamicPropertySource
    static void spoolDir(DynamicPropertyRegistry registry) {
        registry.add("demo.spool-dir", () -> spool.toString());
    }

    @BeforeEach
    void settle() throws Exception {
        actuator = new Actuator(httpPort);
        awaitNoSessions();
    }

    @AfterEach
    void resume() throws Exception {
        actuator.post("/smtpd", "{\"state\": \"accepting\"}");
    }

    @Test
    void mailMovesTheEndpointTheHealthAndTheMetricsByExactlyOne() throws Exception {
        HttpResponse<String> before = actuator.get("/smtpd");
        assertThat(before.statusCode()).isEqualTo(200);
        double timedBefore = measurement("smtpd.messages?tag=outcome:accepted", "COUNT");
        double recipientsBefore = measurement("smtpd.messages.recipients", "TOTAL");

        send("alice@example.org", List.of("bob@example.org", "carol@example.org"), "Counted");
        awaitNoSessions();

        HttpResponse<String> after = actuator.get("/smtpd");
        assertThat(text(after, "$.state")).isEqualTo("accepting");
        assertThat(text(after, "$.mode")).isEqualTo("default");
        assertThat(text(after, "$.address")).isEqualTo("127.0.0.1:" + smtpPort);
        assertThat(number(after, "$.totals.sessions") - number(before, "$.totals.sessions")).isEqualTo(1);
        assertThat(number(after, "$.totals.messages.accepted") - number(before, "$.totals.messages.accepted"))
            .isEqualTo(1);
        assertThat(number(after, "$.totals.messages.rejected")).isEqualTo(number(before, "$.totals.messages.rejected"));
        assertThat(number(after, "$.totals.messages.failed")).isEqualTo(number(before, "$.totals.messages.failed"));
        assertThat(number(after, "$.totals.messageBytes")).isGreaterThan(number(before, "$.totals.messageBytes"));
        assertThat(measurement("smtpd.messages?tag=outcome:accepted", "COUNT") - timedBefore).isEqualTo(1);
        assertThat(measurement("smtpd.messages.recipients", "TOTAL") - recipientsBefore).isEqualTo(2);

        HttpResponse<String> health = actuator.get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(text(health, "$.status")).isEqualTo("UP");
        assertThat(text(health, "$.components.smtpd.status")).isEqualTo("UP");
        assertThat(text(health, "$.components.smtpd.details.state")).isEqualTo("accepting");
    }

    @Test
    void aPageWhoseNameWasReboundToThisMachineCannotPauseTheServer() throws Exception {
        // An outside run paused the demo with these headers from loopback: a browser on a page whose DNS name was
        // made to point at 127.0.0.1 sends exactly this, same-origin from its point of view.
        String rebound = rawPost("attacker.example:" + httpPort, "http://attacker.example:" + httpPort);
        assertThat(rebound).startsWith("HTTP/1.1 403").contains("\"status\":403").doesNotContain("Exception");
        String crossSite = rawPost("127.0.0.1:" + httpPort, "http://attacker.example");
        assertThat(crossSite).startsWith("HTTP/1.1 403");
        // Nor through another spelling of the same path, which the container maps to the same endpoint.
        assertThat(rawPost("/actuator/smtpd;x", "attacker.example:" + httpPort, null)).startsWith("HTTP/1.1 403");
        assertThat(rawPost("/actuator/%73mtpd", "attacker.example:" + httpPort, null)).doesNotStartWith("HTTP/1.1 200");
        assertThat(text(actuator.get("/smtpd"), "$.state")).isEqualTo("accepting");
        assertThat(greeting()).startsWith("220 ");
        // Reading stays open to any Host, and a script on this machine (no Origin) may still pause and resume.
        assertThat(actuator.get("/smtpd").statusCode()).isEqualTo(200);
        assertThat(rawPost("localhost:" + httpPort, null)).startsWith("HTTP/1.1 200");
        assertThat(text(actuator.post("/smtpd", "{\"state\": \"accepting\"}"), "$.state")).isEqualTo("accepting");
    }

    /** A POST of {"state":"paused"} with the given Host and Origin, over a plain socket (HttpClient sets Host itself). */
    private String rawPost(String host, String origin) throws IOException {
        return rawPost("/actuator/smtpd", host, origin);
    }

    private String rawPost(String path, String host, String origin) throws IOException {
        String body = "{\"state\":\"paused\"}";
        try (Socket socket = new Socket("127.0.0.1", httpPort)) {
            socket.setSoTimeout(10_000);
            String request = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                    + (origin != null ? "Origin: " + origin + "\r\n" : "")
                    + "Content-Type: application/json\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body;
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void pausingTurnsNewConnectionsAwayAndTakesTheInstanceOutOfRotation() throws Exception {
        long refusedBefore = number(actuator.get("/smtpd"), "$.totals.connectionsRejected");

        HttpResponse<String> paused = actuator.post("/smtpd", "{\"state\": \"paused\"}");
        assertThat(paused.statusCode()).isEqualTo(200);
        assertThat(text(paused, "$.state")).isEqualTo("paused");

        assertThat(greeting()).startsWith("421 ");
        await().atMost(Duration.ofSeconds(10))
            .until(() -> number(actuator.get("/smtpd"), "$.totals.connectionsRejected") == refusedBefore + 1);

        HttpResponse<String> health = actuator.get("/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(text(health, "$.status")).isEqualTo("OUT_OF_SERVICE");
        assertThat(text(health, "$.components.smtpd.details.state")).isEqualTo("paused");
        assertThat(actuator.get("/health/readiness").statusCode()).isEqualTo(503);
        // Paused is not broken: the liveness probe must not restart a draining instance.
        assertThat(actuator.get("/health/liveness").statusCode()).isEqualTo(200);

        HttpResponse<String> resumed = actuator.post("/smtpd", "{\"state\": \"accepting\"}");
        assertThat(text(resumed, "$.state")).isEqualTo("accepting");
        assertThat(greeting()).startsWith("220 ");
        assertThat(actuator.get("/health").statusCode()).isEqualTo(200);
        assertThat(actuator.get("/health/readiness").statusCode()).isEqualTo(200);
    }

    @Test
    void anUnknownStateIsABadRequest() throws Exception {
        assertThat(actuator.post("/smtpd", "{\"state\": \"asleep\"}").statusCode()).isEqualTo(400);
        assertThat(actuator.post("/smtpd", "{}").statusCode()).isEqualTo(400);
        assertThat(text(actuator.get("/smtpd"), "$.state")).isEqualTo("accepting");
    }

    @Test
    void sessionsListsAConnectedClient() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", smtpPort), 10_000);
            socket.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("220 ");
            socket.getOutputStream().write("HELO watched.example.org\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("250 ");

            HttpResponse<String> sessions = actuator.get("/smtpd/sessions");
            assertThat(sessions.statusCode()).isEqualTo(200);
            assertThat(text(sessions, "$.sessions[0].heloName")).isEqualTo("watched.example.org");
            assertThat(text(sessions, "$.sessions[0].peer")).startsWith("127.0.0.1:");
            assertThat(text(sessions, "$.sessions[0].state")).isEqualTo("command");
            assertThat(number(actuator.get("/metrics/smtpd.sessions.active"), "$.measurements[0].value")).isEqualTo(1);
        }
    }

    @Test
    void keptMessagesExistOnlyInDebuggingMode() throws Exception {
        assertThat(actuator.get("/smtpd/messages").statusCode()).isEqualTo(404);
        assertThat(actuator.get("/smtpd/messages/1-1.1", "*/*").statusCode()).isEqualTo(404);
        assertThat(actuator.get("/smtpd/nothing").statusCode()).isEqualTo(404);
    }

    /** A statistic of a meter from /actuator/metrics; 0 before the meter exists, as it is made by its first use. */
    private double measurement(String meter, String statistic) throws Exception {
        HttpResponse<String> response = actuator.get("/metrics/" + meter);
        if (response.statusCode() == 404) {
            return 0;
        }
        assertThat(response.statusCode()).isEqualTo(200);
        List<Number> values = JsonPath.read(response.body(),
                "$.measurements[?(@.statistic == '" + statistic + "')].value");
        return values.get(0).doubleValue();
    }

    private String greeting() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", smtpPort), 10_000);
            socket.setSoTimeout(10_000);
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        }
    }

    private void awaitNoSessions() {
        // A session ends on the server just after the client read its last reply.
        await().atMost(Duration.ofSeconds(10))
            .until(() -> number(actuator.get("/smtpd"), "$.sessions.length()") == 0);
    }

    private void send(String from, List<String> to, String subject) throws Exception {
        MimeMessage message = new MimeMessage(DemoMail.session(smtpPort));
        message.setFrom(new InternetAddress(from));
        for (String recipient : to) {
            message.addRecipient(RecipientType.TO, new InternetAddress(recipient));
        }
        message.setSubject(subject);
        message.setText("Watched over HTTP.", "UTF-8");
        Transport.send(message);
    }
}
