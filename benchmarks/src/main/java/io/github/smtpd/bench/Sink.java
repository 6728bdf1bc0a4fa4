package io.github.smtpd.bench;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import io.github.smtpd.SmtpServer;

/**
 * The project's answer to Postfix's {@code smtp-sink}: an SMTP server whose message processor accepts and
 * discards every message.
 *
 * <pre>
 * java -jar smtpd-benchmarks.jar 127.0.0.1:2525 [--virtual] [--max-sessions N] [--per-client N]
 *      [--backlog N] [--event-loops N] [--spool-dir DIR] [--size-limit BYTES] [--proxy HOST:PORT]
 *      [--tls-keystore FILE.p12 --tls-password PW [--tls-required]]
 * </pre>
 *
 * {@code --virtual} runs each session on a virtual thread (JDK 21+; looked up by reflection since the
 * bytecode is Java 17). It prints one line {@code READY host:port} once it listens, and on exit (SIGTERM)
 * the number of messages and bytes it accepted. {@code --tls-keystore} offers STARTTLS with the PKCS12 key store's
 * key (JDK default protocols and cipher suites); {@code --tls-required} also refuses MAIL before STARTTLS.
 */
public final class Sink {

    private Sink() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        String address = null;
        boolean virtual = false;
        boolean processorsOnExecutor = false;
        int maxSessions = 20_000;
        int perClient = 0;
        int backlog = 4096;
        Integer eventLoops = null;
        Path spoolDir = null;
        String proxyTo = null;
        long sizeLimit = SmtpServer.DEFAULT_DATA_SIZE_LIMIT;
        Path tlsKeyStore = null;
        String tlsPassword = "";
        boolean tlsRequired = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--virtual" -> virtual = true;
                case "--processors-on-executor" -> processorsOnExecutor = true;
                case "--max-sessions" -> maxSessions = Integer.parseInt(args[++i]);
                case "--per-client" -> perClient = Integer.parseInt(args[++i]);
                case "--backlog" -> backlog = Integer.parseInt(args[++i]);
                case "--event-loops" -> eventLoops = Integer.parseInt(args[++i]);
                case "--spool-dir" -> spoolDir = Path.of(args[++i]);
                case "--size-limit" -> sizeLimit = Long.parseLong(args[++i]);
                case "--proxy" -> proxyTo = args[++i];
                case "--tls-keystore" -> tlsKeyStore = Path.of(args[++i]);
                case "--tls-password" -> tlsPassword = args[++i];
                case "--tls-required" -> tlsRequired = true;
                default -> {
                    if (args[i].startsWith("--") || address != null) {
                        usage("unknown argument " + args[i]);
                    }
                    address = args[i];
                }
            }
        }
        if (address == null) {
            usage("host:port is required");
        }
        Executor executor = virtual ? virtualThreadExecutor() : platformThreadExecutor();
        // --proxy host:port: relay every message there in proxy mode (for the proxy-versus-direct workload).
        io.github.smtpd.SmtpHandler relay = proxyTo == null ? null
                : new io.github.smtpd.mode.ProxyMode(io.github.smtpd.mode.ProxyOptions.of(proxyTo));
        AtomicLong messages = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        SmtpServer.Builder builder = SmtpServer.builder()
                .localAddress(address)
                .hostName("sink.localhost")
                .maxSessions(maxSessions)
                .maxSessionsPerClient(perClient)
                .backlog(backlog)
                .dataSizeLimit(sizeLimit)
                .executor(executor)
                // Counting never blocks, so it may run on the event loop (--processors-on-executor: the default).
                .nonBlockingProcessors(!processorsOnExecutor)
                .messageProcessor(message -> {
                    messages.incrementAndGet();
                    bytes.addAndGet(message.size());
                    return null;
                });
        if (spoolDir != null) {
            builder.spoolDirectory(spoolDir);
        }
        if (eventLoops != null) {
            builder.eventLoops(eventLoops);
        }
        if (relay != null) {
            builder.handler(relay);
        }
        if (tlsKeyStore != null) {
            javax.net.ssl.SSLContext context = BenchTls.serverContext(tlsKeyStore, tlsPassword.toCharArray());
            builder.sslContext(() -> context).requireTls(tlsRequired);
        }
        else if (tlsRequired) {
            usage("--tls-required needs --tls-keystore");
        }
        SmtpServer server = builder.build();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(Duration.ofSeconds(2));
            System.err.printf("sink: %d messages, %d bytes%n", messages.get(), bytes.get());
        }, "sink-shutdown"));
        System.out.println("READY " + server.getLocalAddress().getHostString() + ":" + server.getPort() + " "
                + (virtual ? "virtual" : "platform") + " threads, " + server.settings().eventLoops() + " event loop(s), Java "
                + Runtime.version() + (tlsKeyStore == null ? "" : ", STARTTLS" + (tlsRequired ? " required" : "")));
        System.out.flush();
    }

    private static Executor platformThreadExecutor() {
        AtomicLong ids = new AtomicLong();
        return Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "sink-session-" + ids.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()}, looked up at run time (JDK 21+). */
    static ExecutorService virtualThreadExecutor() {
        try {
            Method factory = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            return (ExecutorService) factory.invoke(null);
        }
        catch (NoSuchMethodException ex) {
            throw new IllegalStateException("--virtual needs Java 21 or later; this is " + Runtime.version(), ex);
        }
        catch (ReflectiveOperationException ex) {
            throw new IllegalStateException("Could not create a virtual thread executor", ex);
        }
    }

    private static void usage(String problem) {
        System.err.println("sink: " + problem);
        System.err.println("usage: java -jar smtpd-benchmarks.jar host:port [--virtual] [--max-sessions N]"
                + " [--per-client N] [--backlog N] [--event-loops N] [--spool-dir DIR] [--size-limit BYTES]"
                + " [--proxy HOST:PORT] [--tls-keystore FILE.p12 --tls-password PW [--tls-required]]");
        System.exit(2);
    }
}
