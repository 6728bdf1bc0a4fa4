package io.github.smtpd.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One demo gateway, run as users run it ({@code java -jar smtpd-demo-app.jar}), on loopback ports of its own, its
 * output in a log file; started, stopped with SIGTERM or SIGKILL by its process id, and started again on the same
 * ports.
 */
final class Gateway implements AutoCloseable {

    static final Path DEMO_JAR = Path.of("..", "demo-app", "target", "smtpd-demo-app.jar").toAbsolutePath().normalize();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;

    final int smtpPort;

    final int httpPort;

    final Path spool;

    private final Path log;

    private final List<String> args;

    private Process process;

    Gateway(String name, Path work, String... args) throws IOException {
        this.name = name;
        this.smtpPort = freePort();
        this.httpPort = freePort();
        this.spool = Files.createDirectories(work.resolve(name + "-spool"));
        this.log = work.resolve(name + ".log");
        this.args = List.of(args);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    Gateway start() throws IOException {
        if (!Files.isRegularFile(DEMO_JAR)) {
            throw new IllegalStateException("No " + DEMO_JAR + ": build the demo first (mvn -B verify builds it)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", DEMO_JAR.toString(), "--smtpd.localaddr=127.0.0.1:" + smtpPort,
                "--server.port=" + httpPort, "--server.address=127.0.0.1", "--demo.spool-dir=" + spool,
                "--smtpd.host-name=" + name + ".test", "--spring.main.banner-mode=off"));
        command.addAll(args);
        process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        return this;
    }

    /** Waits until the gateway greets on SMTP and says it is ready over HTTP. */
    Gateway awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + log());
            }
            // Readiness includes the smtpd health check: 200 means the listener accepts.
            if (readinessStatus() == 200) {
                return this;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " did not become ready:\n" + log());
    }

    /** HTTP status of /actuator/health/readiness, or -1 when nothing answers. */
    int readinessStatus() {
        try {
            return get("/actuator/health/readiness").statusCode();
        }
        catch (IOException | InterruptedException ex) {
            return -1;
        }
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
            .header("Accept", "application/json")
            .timeout(Duration.ofSeconds(5))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** SIGTERM, as an orchestrator's rolling restart sends it; returns once the process has exited. */
    void terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts the SIGTERM without waiting for the exit. */
    Process terminateAsync() {
        process.destroy();
        return process;
    }

    /** SIGKILL: a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    long pid() {
        return process.pid();
    }

    /** The text of every message in the spool, one entry a file. */
    List<String> spooled() throws IOException {
        try (Stream<Path> files = Files.list(spool)) {
            return files.filter((file) -> file.getFileName().toString().endsWith(".eml")).map((file) -> {
                try {
                    return Files.readString(file, StandardCharsets.ISO_8859_1);
                }
                catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            }).toList();
        }
    }

    String log() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() > 8000 ? text.substring(text.length() - 8000) : text;
        }
        catch (IOException ex) {
            return "(no log: " + ex + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
