package io.github.smtpd.capture.web;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import io.github.smtpd.capture.web.app.CaptureWebTestApplication;
import io.github.smtpd.capture.MessageStore;
import jakarta.mail.MessagingException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The catcher beside the default mode (a processor that accepts or refuses): what a test or a tool does over HTTP
 * with the Mailpit-compatible API, against the running server.
 */
@SpringBootTest(classes = CaptureWebTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0", "smtpd.capture.enabled=true",
                CaptureWebTestApplication.WITHOUT_SECURITY })
class MailCatcherApiTests {

    private static final GreenMail releaseTarget = new GreenMail(
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());

    @DynamicPropertySource
    static void releaseTarget(DynamicPropertyRegistry registry) {
        if (!releaseTarget.isRunning()) {
            releaseTarget.start();
        }
        registry.add("smtpd.capture.release.address",
                () -> "127.0.0.1:" + releaseTarget.getSmtp().getServerSetup().getPort());
    }

    @AfterAll
    static void stopReleaseTarget() {
        releaseTarget.stop();
    }

    @LocalSmtpdPort
    int smtpPort;

    @LocalServerPort
    int httpPort;

    @Autowired
    MessageStore store;

    Http http;

    @BeforeEach
    void clear() {
        http = new Http(httpPort);
        store.clear();
    }

    @Test
    void aSentMessageIsListedAsSoonAsTheSendReturns() throws Exception {
        Mail.send(Mail.html(smtpPort, "Grüße ✓ invoice", "<p>Your <b>invoice</b></p>", new byte[] { 1, 2, 3 }),
                "user@example.org", "audit@example.org");
        HttpResponse<String> list = http.get("/smtpd/api/v1/messages");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat((Integer) Http.read(list, "$.total")).isEqualTo(1);
        assertThat((String) Http.read(list, "$.messages[0].Subject")).isEqualTo("Grüße ✓ invoice");
        assertThat((Integer) Http.read(list, "$.messages[0].Attachments")).isEqualTo(1);
        assertThat((String) Http.read(list, "$.messages[0].Bcc[0].Address")).isEqualTo("audit@example.org");
        assertThat((Boolean) Http.read(list, "$.messages[0].Read")).isFalse();
    }

    @Test
    void oneMessageHasItsBodiesPartsHeadersAndSource() throws Exception {
        byte[] pdf = "%PDF-1.4 not really".getBytes(StandardCharsets.US_ASCII);
        Mail.send(Mail.html(smtpPort, "With parts", "<p>Hello <i>there</i></p>", pdf));
        HttpResponse<String> message = http.get("/smtpd/api/v1/message/latest");
        assertThat(message.statusCode()).isEqualTo(200);
        assertThat((String) Http.read(message, "$.HTML")).contains("<p>Hello <i>there</i></p>");
        assertThat((String) Http.read(message, "$.From.Address")).isEqualTo("app@example.org");
        assertThat((String) Http.read(message, "$.Attachments[0].FileName")).isEqualTo("invoice.pdf");
        assertThat((String) Http.read(message, "$.Envelope.Client")).isEqualTo("127.0.0.1");
        String id = Http.read(message, "$.ID");
        String partId = Http.read(message, "$.Attachments[0].PartID");
        HttpResponse<byte[]> part = http.getBytes("/smtpd/api/v1/message/" + id + "/part/" + partId);
        assertThat(part.statusCode()).isEqualTo(200);
        assertThat(part.body()).isEqualTo(pdf);
        assertThat(part.headers().firstValue("Content-Disposition")).hasValueSatisfying(
                (value) -> assertThat(value).startsWith("attachment"));
        assertThat(part.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                (value) -> assertThat(value).contains("sandbox"));
        HttpResponse<String> headers = http.get("/smtpd/api/v1/message/" + id + "/headers");
        assertThat((List<String>) Http.read(headers, "$.Subject")).containsExactly("With parts");
        HttpResponse<String> raw = http.get("/smtpd/api/v1/message/" + id + "/raw");
        assertThat(raw.headers().firstValue("Content-Type")).hasValueSatisfying(
                (value) -> assertThat(value).startsWith("text/plain"));
        assertThat(raw.body()).contains("Subject: With parts", "Content-Disposition: attachment");
        // Opening a message marks it read, as in Mailpit.
        assertThat((Integer) Http.read(http.get("/smtpd/api/v1/messages"), "$.unread")).isZero();
    }

    @Test
    void aMessageTheProcessorsRefuseIsNotCaptured() throws Exception {
        assertThatExceptionOfType(MessagingException.class)
            .isThrownBy(() -> Mail.send(Mail.text(smtpPort, "refuse me", "no")));
        Mail.send(Mail.text(smtpPort, "keep me", "yes"));
        HttpResponse<String> list = http.get("/smtpd/api/v1/messages");
        assertThat((List<String>) Http.read(list, "$.messages[*].Subject")).containsExactly("keep me");
    }

    @Test
    void searchesMarksReadAndDeletes() throws Exception {
        Mail.send(Mail.text(smtpPort, "alpha report", "quarterly numbers"));
        Mail.send(Mail.text(smtpPort, "beta", "nothing here"));
        Mail.send(Mail.text(smtpPort, "gamma report", "weekly"));
        HttpResponse<String> found = http.get("/smtpd/api/v1/search?query=subject:report%20-weekly");
        assertThat((List<String>) Http.read(found, "$.messages[*].Subject")).containsExactly("alpha report");
        assertThat((Integer) Http.read(found, "$.messages_count")).isEqualTo(1);
        assertThat((Integer) Http.read(found, "$.total")).isEqualTo(3);
        String betaId = Http.read(http.get("/smtpd/api/v1/search?query=beta"), "$.messages[0].ID");
        assertThat(http.json("PUT", "/smtpd/api/v1/messages", "{\"IDs\":[\"" + betaId + "\"],\"Read\":true}").body())
            .isEqualTo("ok");
        assertThat((List<String>) Http.read(http.get("/smtpd/api/v1/search?query=is:read"), "$.messages[*].Subject"))
            .containsExactly("beta");
        HttpResponse<String> deleted = http.send(HttpRequest
            .newBuilder(URI.create(http.base() + "/smtpd/api/v1/search?query=report"))
            .DELETE());
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat((List<String>) Http.read(http.get("/smtpd/api/v1/messages"), "$.messages[*].Subject"))
            .containsExactly("beta");
        assertThat(http.json("DELETE", "/smtpd/api/v1/messages", "{}").body()).isEqualTo("ok");
        assertThat((Integer) Http.read(http.get("/smtpd/api/v1/messages"), "$.total")).isZero();
    }

    @Test
    void releasesAMessageToARealServer() throws Exception {
        Mail.send(Mail.text(smtpPort, "to release", "hello upstream"));
        String id = Http.read(http.get("/smtpd/api/v1/messages"), "$.messages[0].ID");
        HttpResponse<String> released = http.json("POST", "/smtpd/api/v1/message/" + id + "/release",
                "{\"To\":[\"real@example.net\"]}");
        assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
        assertThat(releaseTarget.waitForIncomingEmail(5000, 1)).isTrue();
        assertThat(releaseTarget.getReceivedMessages()[0].getSubject()).isEqualTo("to release");
        // Delivered to the envelope recipient given to release, not to the message's To.
        com.icegreen.greenmail.user.GreenMailUser target = releaseTarget.getUserManager()
            .getUserByEmail("real@example.net");
        assertThat(target).isNotNull();
        assertThat(releaseTarget.getManagers().getImapHostManager().getInbox(target).getMessageCount()).isEqualTo(1);
        assertThat(releaseTarget.getUserManager().getUserByEmail("user@example.org")).isNull();
        assertThat((Boolean) Http.read(http.get("/smtpd/api/v1/webui"), "$.MessageRelay.Enabled")).isTrue();
    }

    @Test
    void everyBadRequestGetsAFourHundredWithAJsonReason() throws Exception {
        Mail.send(Mail.text(smtpPort, "one", "x"));
        String id = Http.read(http.get("/smtpd/api/v1/messages"), "$.messages[0].ID");
        assertBad(http.get("/smtpd/api/v1/message/abc"), 400, "not a message ID");
        assertBad(http.get("/smtpd/api/v1/message/999999"), 404, "no message");
        assertBad(http.get("/smtpd/api/v1/message/" + id + "/part/9.9"), 404, "no part");
        assertBad(http.get("/smtpd/api/v1/messages?limit=-1"), 400, "limit");
        assertBad(http.get("/smtpd/api/v1/messages?start=x"), 400, "start");
        assertBad(http.get("/smtpd/api/v1/search"), 400, "query");
        assertBad(http.get("/smtpd/api/v1/search?query=before:yesterday"), 400, "YYYY-MM-DD");
        assertBad(http.get("/smtpd/api/v1/search?query=x&tz=Mars/Olympus"), 400, "time zone");
        assertBad(http.json("PUT", "/smtpd/api/v1/messages", "{\"IDs\":\"1\"}"), 400, "array");
        assertBad(http.json("PUT", "/smtpd/api/v1/messages", "{\"Read\":\"yes\"}"), 400, "Read");
        assertBad(http.json("DELETE", "/smtpd/api/v1/messages", "{not json"), 400, "JSON");
        assertBad(http.json("POST", "/smtpd/api/v1/message/" + id + "/release", "{\"To\":[]}"), 400, "recipient");
        assertBad(http.json("POST", "/smtpd/api/v1/message/" + id + "/release", "{\"To\":[\"no at sign\"]}"), 400,
                "not an email address");
        assertBad(http.send(HttpRequest.newBuilder(URI.create(http.base() + "/smtpd/api/v1/message/" + id + "/release"))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString("{\"To\":[\"a@b.c\"]}"))), 415, "application/json");
        assertBad(http.send(HttpRequest.newBuilder(URI.create(http.base() + "/smtpd/api/v1/search?query="))
            .DELETE()), 400, "every message");
        assertThat((Integer) Http.read(http.get("/smtpd/api/v1/messages"), "$.total")).isEqualTo(1);
        // Calls the API does not have: Spring Boot's error body, JSON too.
        assertUnknown(http.get("/smtpd/api/v1/nothing"), 404);
        assertUnknown(http.json("DELETE", "/smtpd/api/v1/info", "{}"), 405);
        assertUnknown(http.json("POST", "/smtpd/api/v1/messages", "{}"), 405);
    }

    private static void assertUnknown(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                (value) -> assertThat(value).startsWith("application/json"));
        assertThat((Integer) Http.read(response, "$.status")).isEqualTo(status);
        assertThat(response.body()).doesNotContain("Exception", "\tat ");
    }

    private static void assertBad(HttpResponse<String> response, int status, String reason) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                (value) -> assertThat(value).startsWith("application/json"));
        assertThat((String) Http.read(response, "$.message")).as(response.body()).contains(reason);
        assertThat(response.body()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void aPageOfAnotherSiteOrARebindingNameCannotChangeCapturedMail() throws Exception {
        Mail.send(Mail.text(smtpPort, "precious", "x"));
        // A page whose own name now resolves to 127.0.0.1 sends its name in Host (java.net.http cannot set Host).
        String rebound = Http.raw(httpPort, "DELETE /smtpd/api/v1/messages HTTP/1.1\r\nHost: attacker.example:"
                + httpPort + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        assertThat(rebound).startsWith("HTTP/1.1 403");
        HttpResponse<String> crossSite = http.send(HttpRequest
            .newBuilder(URI.create(http.base() + "/smtpd/api/v1/messages"))
            .header("Content-Type", "application/json")
            .header("Origin", "http://attacker.example")
            .method("DELETE", HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat((Integer) Http.read(http.get("/smtpd/api/v1/messages"), "$.total")).isEqualTo(1);
        HttpResponse<String> ownPage = http.send(HttpRequest.newBuilder(URI.create(http.base() + "/smtpd/api/v1/messages"))
            .header("Content-Type", "application/json")
            .header("Origin", http.base())
            .method("DELETE", HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(ownPage.statusCode()).isEqualTo(200);
    }

    @Test
    void liveEventsTellOfANewMessage() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.base() + "/smtpd/api/events")).GET().build();
        HttpResponse<InputStream> response = http.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                (value) -> assertThat(value).startsWith("text/event-stream"));
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            CompletableFuture<String> newEvent = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        if (line.startsWith("data:") && line.contains("\"new\"")) {
                            return line;
                        }
                    }
                    return null;
                }
                catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            Mail.send(Mail.text(smtpPort, "live one", "x"));
            String event = newEvent.get(10, TimeUnit.SECONDS);
            assertThat(event).contains("\"Subject\":\"live one\"", "\"Type\":\"stats\"");
        }
    }

    @Test
    void theUiIsServedWithAPolicyThatRunsOnlyItsOwnScript() throws Exception {
        HttpResponse<String> redirect = http.get("/smtpd");
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location")).hasValueSatisfying(
                (value) -> assertThat(value).endsWith("/smtpd/"));
        HttpResponse<String> page = http.get("/smtpd/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                (value) -> assertThat(value).contains("script-src 'self'").doesNotContain("unsafe-eval")
                    .doesNotContain("script-src 'self' 'unsafe-inline'"));
        assertThat(http.get("/smtpd/app.js").statusCode()).isEqualTo(200);
        assertThat(http.get("/smtpd/app.css").statusCode()).isEqualTo(200);
        assertThat(Duration.ZERO).isZero();
    }
}
