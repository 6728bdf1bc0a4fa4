package io.github.smtpd.demo;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An open page of the mail catcher does not hold up shutdown: its event stream is a request that never ends by
 * itself, and the web server's graceful shutdown would otherwise wait the whole shutdown phase (30 seconds) for it.
 */
class MailCatcherShutdownTests {

    @Test
    void anOpenEventStreamEndsWhenTheApplicationStops() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SmtpdDemoApplication.class)
            .profiles("debugging")
            // As arguments: builder properties are defaults, which application.yml's ports would override.
            .run("--server.address=127.0.0.1", "--server.port=0", "--smtpd.localaddr=127.0.0.1:0");
        boolean closed = false;
        try {
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<InputStream> events = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/smtpd/api/events")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(events.statusCode()).isEqualTo(200);
            try (BufferedReader stream = new BufferedReader(
                    new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
                // The first event (the counts) arrives at once: the stream is open.
                assertThat(stream.readLine()).startsWith("data:").contains("\"stats\"");

                long start = System.nanoTime();
                context.close();
                closed = true;
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(took).isLessThan(Duration.ofSeconds(10));
                // The server ended the stream.
                while (stream.readLine() != null) {
                    // the rest of what was sent
                }
            }
        }
        finally {
            if (!closed) {
                context.close();
            }
        }
    }
}
