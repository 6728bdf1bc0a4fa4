package io.github.smtpd.capture.web;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import io.github.smtpd.capture.web.app.CaptureWebTestApplication;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** Who may read captured mail: the allowed client networks, or Spring Security's rules when the application has it. */
class CaptureAccessTests {

    @Nested
    @SpringBootTest(classes = CaptureWebTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
            properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0", "smtpd.capture.enabled=true",
                    "smtpd.capture.web.allowed-clients=10.0.0.0/8", CaptureWebTestApplication.WITHOUT_SECURITY })
    class WithoutSpringSecurity {

        @LocalServerPort
        int httpPort;

        @Test
        void aClientOutsideTheAllowedNetworksIsRefusedWithAReason() throws Exception {
            Http http = new Http(httpPort);
            for (String path : new String[] { "/smtpd/api/v1/messages", "/smtpd/", "/smtpd", "/smtpd/api/events" }) {
                HttpResponse<String> response = http.get(path);
                assertThat(response.statusCode()).as(path).isEqualTo(403);
                assertThat((String) Http.read(response, "$.message")).contains("smtpd.capture.web.allowed-clients");
            }
        }
    }

    @Nested
    @SpringBootTest(classes = CaptureWebTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
            properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0", "smtpd.capture.enabled=true",
                    "smtpd.capture.web.allowed-clients=10.0.0.0/8", "spring.security.user.name=dev",
                    "spring.security.user.password=secret" })
    class WithSpringSecurity {

        @LocalServerPort
        int httpPort;

        @Test
        void springSecurityDecidesInsteadOfTheClientNetworks() throws Exception {
            Http http = new Http(httpPort);
            assertThat(http.get("/smtpd/api/v1/messages").statusCode()).isEqualTo(401);
            String credentials = Base64.getEncoder().encodeToString("dev:secret".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> signedIn = http.send(HttpRequest
                .newBuilder(URI.create(http.base() + "/smtpd/api/v1/messages"))
                .header("Authorization", "Basic " + credentials));
            assertThat(signedIn.statusCode()).isEqualTo(200);
            assertThat((Integer) Http.read(signedIn, "$.total")).isZero();
        }
    }
}
