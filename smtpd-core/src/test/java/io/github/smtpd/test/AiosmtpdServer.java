package io.github.smtpd.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A server script from {@code src/test/resources/python} run on aiosmtpd (Debian's python3-aiosmtpd, on the
 * system Python {@code /usr/bin/python3}; another interpreter can be named with {@code -Dsmtpd.test.python}).
 * Tests that need one are skipped when aiosmtpd is not installed.
 */
public final class AiosmtpdServer implements AutoCloseable {

    static final String PYTHON = System.getProperty("smtpd.test.python", "/usr/bin/python3");

    private final Process process;

    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

    public final int port;

    private AiosmtpdServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Skips the calling test unless aiosmtpd can be imported. */
    public static void assumeAiosmtpd() {
        boolean installed;
        try {
            Process check = new ProcessBuilder(PYTHON, "-c", "import aiosmtpd").redirectErrorStream(true).start();
            check.getInputStream().readAllBytes();
            installed = check.waitFor(30, TimeUnit.SECONDS) && check.exitValue() == 0;
        }
        catch (IOException ex) {
            installed = false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            installed = false;
        }
        assumeTrue(installed, "aiosmtpd is not installed for " + PYTHON + " (apt-get install -y python3-aiosmtpd)");
    }

    /** Runs the script with a free port as its first argument, then the given ones, and waits for READY. */
    public static AiosmtpdServer start(String script, String... arguments) throws IOException, InterruptedException {
        Path file = Files.createTempFile("smtpd-test-", ".py");
        file.toFile().deleteOnExit();
        try (InputStream in = AiosmtpdServer.class.getResourceAsStream("/python/" + script)) {
            Files.write(file, in.readAllBytes());
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(PYTHON, "-u", file.toString(), Integer.toString(port)));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        AiosmtpdServer server = new AiosmtpdServer(process, port);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    server.lines.add(line);
                }
            }
            catch (IOException ex) {
                // The process ended.
            }
        }, "python-" + script);
        reader.setDaemon(true);
        reader.start();
        String first = server.lines.poll(30, TimeUnit.SECONDS);
        if (!"READY".equals(first)) {
            server.close();
            throw new IllegalStateException(script + " did not start: " + first + " " + server.lines);
        }
        return server;
    }

    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** One delivery the script reported; {@code rcptTo} is comma-separated when there were several. */
    public record Delivery(String mailFrom, String rcptTo, List<String> mailOptions, byte[] content) {
        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    /** The next delivery, waiting for it up to 10 seconds. */
    public Delivery nextDelivery() throws InterruptedException {
        while (true) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("The Python server reported no delivery within 10 seconds");
            }
            if (line.startsWith("DELIVERED\t")) {
                String[] fields = line.split("\t", -1);
                return new Delivery(fields[1], fields[2],
                        fields[3].isEmpty() ? List.of() : List.of(fields[3].split(",")),
                        Base64.getDecoder().decode(fields[4]));
            }
        }
    }

    /** The deliveries reported so far, without waiting. */
    public List<String> deliveredRecipients() {
        return lines.stream().filter(l -> l.startsWith("DELIVERED\t")).map(l -> l.split("\t", -1)[2]).toList();
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
            }
        }
        catch (IOException ex) {
            process.destroy();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            process.destroy();
        }
    }
}
