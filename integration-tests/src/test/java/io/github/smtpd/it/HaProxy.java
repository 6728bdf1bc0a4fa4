package io.github.smtpd.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy (Debian's {@code haproxy}, which {@code .ci/run} installs), in TCP mode with {@code send-proxy-v2}
 * in front of gateways, checking each one's {@code /actuator/health/readiness}: the configuration the README's
 * deployment guide shows, on loopback ports. Started in the foreground and stopped by its process id.
 */
final class HaProxy implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/haproxy");

    final int port;

    private final Path config;

    private final Path log;

    private Process process;

    private HaProxy(int port, Path config, Path log) {
        this.port = port;
        this.config = config;
        this.log = log;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** A frontend on a free port balancing over {@code gateways}. */
    static HaProxy inFrontOf(Path work, String name, List<Gateway> gateways) throws IOException {
        int port = Gateway.freePort();
        StringBuilder text = new StringBuilder();
        text.append("""
                global
                    maxconn 4096
                defaults
                    mode tcp
                    timeout connect 2s
                    timeout client 60s
                    timeout server 60s
                frontend smtp
                    bind 127.0.0.1:%d
                    default_backend gateways
                backend gateways
                    balance roundrobin
                    option httpchk GET /actuator/health/readiness
                    http-check expect status 200
                    default-server inter 200ms fall 1 rise 2 send-proxy-v2
                """.formatted(port));
        for (Gateway gateway : gateways) {
            text.append("    server %s 127.0.0.1:%d check port %d%n".formatted(gateway.name, gateway.smtpPort,
                    gateway.httpPort));
        }
        Path config = work.resolve(name + ".cfg");
        Files.writeString(config, text);
        return new HaProxy(port, config, work.resolve(name + ".log"));
    }

    HaProxy start() throws Exception {
        process = new ProcessBuilder(BINARY.toString(), "-db", "-f", config.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("haproxy exited: " + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return this;
            }
            catch (IOException ex) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("haproxy did not listen on " + port);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
