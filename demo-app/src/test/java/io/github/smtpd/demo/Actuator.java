package io.github.smtpd.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.jayway.jsonpath.JsonPath;

/** Talks to the demo's actuator over real HTTP on 127.0.0.1, as an operator's script would. */
final class Actuator {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final int port;

    Actuator(int port) {
        this.port = port;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(path, "application/json");
    }

    HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
        return client.send(request(path).header("Accept", accept).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return client.send(request(path).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A number from a JSON body, e.g. {@code $.totals.messages.accepted}. */
    static long number(HttpResponse<String> response, String path) {
        return ((Number) JsonPath.read(response.body(), path)).longValue();
    }

    static String text(HttpResponse<String> response, String path) {
        return JsonPath.read(response.body(), path);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator" + path))
            .timeout(Duration.ofSeconds(30));
    }
}
