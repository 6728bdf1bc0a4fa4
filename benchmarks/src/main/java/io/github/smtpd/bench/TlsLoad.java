package io.github.smtpd.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * STARTTLS load client, the TLS counterpart of Postfix's {@code smtp-source} (which has no STARTTLS): N
 * concurrent sessions on N platform threads; each connects, reads the greeting, EHLO, STARTTLS, does the TLS
 * handshake (trusting any certificate), EHLO again, then MAIL/RCPT/DATA with a message of S bytes, each command
 * waiting for its reply (no pipelining, as {@code smtp-source} sends), and QUIT. {@code --reuse} keeps each
 * session's connection for as many messages as it gets (as {@code smtp-source -d}, "W1"); without it every
 * message has a connection and a handshake of its own ("W2"). Messages are handed out from one counter, so
 * {@code --messages} is the total over all sessions.
 *
 * <pre>
 * java -cp smtpd-benchmarks.jar io.github.smtpd.bench.TlsLoad 127.0.0.1:2525 [--sessions 20] [--messages 20000]
 *      [--size 4096] [--reuse] [--warmup-messages N] [--warmup-runs 2] [--server-pid PID] [--clk-tck 100]
 *      [--plain] [--resume] [--timeout-seconds 300]
 * </pre>
 *
 * The warm-up runs (same sessions, size and mode) go first, in the same JVM, so that both the server's and this
 * client's JIT have compiled their paths before the measured run. With {@code --server-pid} the server's CPU
 * time (utime + stime from {@code /proc/PID/stat}) is read right before and after the measured run. {@code
 * --plain} leaves out STARTTLS (to compare this client with {@code smtp-source}). Full handshakes by default:
 * the client's TLS session cache is bypassed (Postfix's SMTP client caches no sessions by default either);
 * {@code --resume} lets the JDK resume sessions.
 *
 * Prints one {@code WARMUP} line per warm-up run and a last line
 * {@code RESULT mode=… messages=… accepted=… errors=… seconds=… msgs_per_s=… handshakes_per_s=… …}; every failed
 * message or session is counted in {@code errors} (and its first cause in {@code first_error}), never retried.
 * Exits 0 only when every message of every run was accepted with 250 and there was no error.
 */
public final class TlsLoad {

    private final InetSocketAddress target;

    private final int sessions;

    private final int size;

    private final boolean reuse;

    private final boolean plain;

    private final boolean resume;

    private final SSLSocketFactory tls;

    private final byte[] content;

    private final AtomicLong connectionKeys = new AtomicLong();

    private TlsLoad(InetSocketAddress target, int sessions, int size, boolean reuse, boolean plain, boolean resume)
            throws Exception {
        this.target = target;
        this.sessions = sessions;
        this.size = size;
        this.reuse = reuse;
        this.plain = plain;
        this.resume = resume;
        SSLContext context = BenchTls.trustAllClientContext();
        // Without --resume every connection has a cache key of its own: keep few of those sessions.
        context.getClientSessionContext().setSessionCacheSize(resume ? 0 : 64);
        this.tls = context.getSocketFactory();
        this.content = message(size);
    }

    /** One run's counts. */
    private static final class Run {

        final AtomicInteger next = new AtomicInteger();

        final int messages;

        final AtomicInteger accepted = new AtomicInteger();

        final AtomicInteger errors = new AtomicInteger();

        final AtomicInteger connections = new AtomicInteger();

        final AtomicInteger handshakes = new AtomicInteger();

        final AtomicReference<String> firstError = new AtomicReference<>();

        final Map<String, AtomicInteger> negotiated = new ConcurrentHashMap<>();

        long nanos;

        Run(int messages) {
            this.messages = messages;
        }

        /** The next message's number, or -1 when all are handed out. */
        int take() {
            int n = next.getAndIncrement();
            return n < messages ? n : -1;
        }

        void error(String what, Throwable ex) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, (what + ": " + ex).replace(' ', '_'));
        }

        String negotiated() {
            return negotiated.isEmpty() ? "-" : new TreeMap<>(negotiated).toString().replace(" ", "");
        }
    }

    /** One SMTP connection, after the second EHLO. */
    private final class Conn implements AutoCloseable {

        Socket socket;

        InputStream in;

        OutputStream out;

        private final byte[] line = new byte[1024];

        String lastReply;

        Conn(Run run) throws IOException {
            Socket plainSocket = new Socket();
            socket = plainSocket;
            plainSocket.setTcpNoDelay(true);
            plainSocket.setSoTimeout(60_000);
            plainSocket.connect(target, 10_000);
            run.connections.incrementAndGet();
            streams();
            expect("greeting", 220);
            command("EHLO client.example.org", 250);
            if (!plain) {
                if (!lastReply.toUpperCase(java.util.Locale.ROOT).contains("STARTTLS")) {
                    throw new IOException("STARTTLS not offered in the EHLO reply");
                }
                command("STARTTLS", 220);
                // Full handshakes unless --resume: the JDK's client session cache is keyed by the peer's host name
                // and port, so every connection names the peer differently (only a cache key here: the socket is
                // connected already, and no server name is sent).
                String peerKey = resume ? target.getHostString() : "tls-load-" + connectionKeys.incrementAndGet();
                SSLSocket ssl = (SSLSocket) tls.createSocket(plainSocket, peerKey, target.getPort(), true);
                ssl.setUseClientMode(true);
                javax.net.ssl.SSLParameters parameters = ssl.getSSLParameters();
                parameters.setServerNames(java.util.List.of());
                ssl.setSSLParameters(parameters);
                ssl.startHandshake();
                run.handshakes.incrementAndGet();
                SSLSession session = ssl.getSession();
                run.negotiated.computeIfAbsent(session.getProtocol() + "/" + session.getCipherSuite(),
                        k -> new AtomicInteger()).incrementAndGet();
                socket = ssl;
                streams();
                command("EHLO client.example.org", 250);
            }
        }

        private void streams() throws IOException {
            in = new BufferedInputStream(socket.getInputStream(), 4096);
            out = new BufferedOutputStream(socket.getOutputStream(), 8192);
        }

        void send() throws IOException {
            command("MAIL FROM:<load@example.org>", 250);
            command("RCPT TO:<sink@example.net>", 250);
            command("DATA", 354);
            out.write(content);
            out.flush();
            expect("end of data", 250);
        }

        void quit() throws IOException {
            command("QUIT", 221);
        }

        private void command(String command, int code) throws IOException {
            out.write(command.getBytes(StandardCharsets.US_ASCII));
            out.write('\r');
            out.write('\n');
            out.flush();
            expect(command, code);
        }

        /** Reads a (multi-line) reply; throws unless its code is {@code code}. */
        private void expect(String after, int code) throws IOException {
            StringBuilder reply = new StringBuilder();
            while (true) {
                int length = 0;
                int c;
                while ((c = in.read()) != '\n') {
                    if (c < 0) {
                        throw new IOException("connection closed by the server after " + after);
                    }
                    if (length < line.length) {
                        line[length++] = (byte) c;
                    }
                }
                if (length > 0 && line[length - 1] == '\r') {
                    length--;
                }
                String text = new String(line, 0, length, StandardCharsets.US_ASCII);
                reply.append(text).append('\n');
                if (text.length() < 4 || text.charAt(3) != '-') {
                    lastReply = reply.toString();
                    if (!text.startsWith(Integer.toString(code))) {
                        throw new IOException("after " + after + ": " + text);
                    }
                    return;
                }
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            }
            catch (IOException ex) {
                // Closing anyway.
            }
        }
    }

    private void session(Run run) {
        while (true) {
            int n = run.take();
            if (n < 0) {
                return;
            }
            Conn conn;
            try {
                conn = new Conn(run);
            }
            catch (Exception ex) {
                run.error("opening (message " + n + " lost)", ex);
                continue;
            }
            try (conn) {
                do {
                    try {
                        conn.send();
                        run.accepted.incrementAndGet();
                    }
                    catch (Exception ex) {
                        run.error("sending message " + n, ex);
                        n = -2;
                        break;
                    }
                }
                while (reuse && (n = run.take()) >= 0);
                if (n != -2) {
                    try {
                        conn.quit();
                    }
                    catch (Exception ex) {
                        run.error("QUIT", ex);
                    }
                }
            }
        }
    }

    private Run run(int messages, long deadline) throws InterruptedException {
        Run run = new Run(messages);
        ExecutorService pool = Executors.newFixedThreadPool(sessions, new java.util.concurrent.ThreadFactory() {

            private final AtomicInteger ids = new AtomicInteger();

            @Override
            public Thread newThread(Runnable task) {
                Thread thread = new Thread(task, "tls-load-" + ids.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            }
        });
        long start = System.nanoTime();
        for (int i = 0; i < sessions; i++) {
            pool.execute(() -> session(run));
        }
        pool.shutdown();
        long wait = Math.max(1, deadline - System.nanoTime());
        if (!pool.awaitTermination(wait, TimeUnit.NANOSECONDS)) {
            run.error("deadline", new IOException("run not finished in time: "
                    + (messages - run.accepted.get()) + " messages not accepted"));
        }
        run.nanos = System.nanoTime() - start;
        return run;
    }

    /** Headers, then lines of 78 characters up to about {@code size} bytes, then the end-of-data line. */
    private static byte[] message(int size) {
        StringBuilder text = new StringBuilder(size + 200);
        text.append("From: <load@example.org>\r\nTo: <sink@example.net>\r\nSubject: TLS load\r\n")
                .append("Message-ID: <tls-load@example.org>\r\n\r\n");
        String row = "X".repeat(78) + "\r\n";
        while (text.length() + row.length() <= size) {
            text.append(row);
        }
        int rest = size - text.length() - 2;
        if (rest > 0) {
            text.append("X".repeat(rest)).append("\r\n");
        }
        text.append(".\r\n");
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** utime + stime of a process, in clock ticks; -1 when it cannot be read. */
    private static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        catch (IOException | RuntimeException ex) {
            return -1;
        }
    }

    private static long clientCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        String address = null;
        int sessions = 20;
        int messages = 20_000;
        int size = 4096;
        boolean reuse = false;
        boolean plain = false;
        boolean resume = false;
        int warmupMessages = 0;
        int warmupRuns = 2;
        long serverPid = -1;
        int clkTck = 100;
        int timeoutSeconds = 300;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--messages" -> messages = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--reuse" -> reuse = true;
                case "--plain" -> plain = true;
                case "--resume" -> resume = true;
                case "--warmup-messages" -> warmupMessages = Integer.parseInt(args[++i]);
                case "--warmup-runs" -> warmupRuns = Integer.parseInt(args[++i]);
                case "--server-pid" -> serverPid = Long.parseLong(args[++i]);
                case "--clk-tck" -> clkTck = Integer.parseInt(args[++i]);
                case "--timeout-seconds" -> timeoutSeconds = Integer.parseInt(args[++i]);
                default -> {
                    if (args[i].startsWith("--") || address != null) {
                        usage("unknown argument " + args[i]);
                    }
                    address = args[i];
                }
            }
        }
        if (address == null || !address.contains(":")) {
            usage("host:port is required");
        }
        int colon = address.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)));
        if (!target.getAddress().isLoopbackAddress()) {
            usage("TlsLoad only drives loopback servers");
        }
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        TlsLoad load = new TlsLoad(target, sessions, size, reuse, plain, resume);
        String mode = (reuse ? "reuse" : "one-per-connection") + " tls=" + (plain ? "plain" : "starttls")
                + " sessions=" + sessions + " size=" + size;
        int warmupErrors = 0;
        for (int i = 1; warmupMessages > 0 && i <= warmupRuns; i++) {
            Run warm = load.run(warmupMessages, deadline);
            int failed = warm.errors.get() + (warm.messages - warm.accepted.get());
            warmupErrors += failed;
            System.out.printf("WARMUP %d mode=%s messages=%d accepted=%d errors=%d seconds=%.3f msgs_per_s=%.0f"
                    + " first_error=%s%n", i, mode, warm.messages, warm.accepted.get(), warm.errors.get(),
                    warm.nanos / 1e9, warm.accepted.get() / (warm.nanos / 1e9),
                    warm.firstError.get() == null ? "-" : warm.firstError.get());
            System.out.flush();
        }
        long serverBefore = cpuTicks(serverPid);
        long clientBefore = clientCpuNanos();
        Run run = load.run(messages, deadline);
        long clientAfter = clientCpuNanos();
        long serverAfter = cpuTicks(serverPid);
        double seconds = run.nanos / 1e9;
        int accepted = run.accepted.get();
        // A message handed out but not accepted always left an error behind; one never handed out (deadline) too.
        int errors = run.errors.get();
        String serverCpu = serverBefore < 0 || serverAfter < 0 ? "-"
                : String.format("%.2f", (serverAfter - serverBefore) / (double) clkTck);
        String clientCpu = clientBefore < 0 ? "-" : String.format("%.2f", (clientAfter - clientBefore) / 1e9);
        System.out.printf("RESULT mode=%s messages=%d accepted=%d errors=%d lost=%d connections=%d handshakes=%d"
                + " seconds=%.3f msgs_per_s=%.0f handshakes_per_s=%.0f server_cpu_s=%s client_cpu_s=%s"
                + " warmup_errors=%d negotiated=%s first_error=%s%n",
                mode, messages, accepted, errors, messages - accepted, run.connections.get(), run.handshakes.get(),
                seconds, accepted / seconds, run.handshakes.get() / seconds, serverCpu, clientCpu, warmupErrors,
                run.negotiated(), run.firstError.get() == null ? "-" : run.firstError.get());
        System.out.flush();
        System.exit(errors == 0 && accepted == messages && warmupErrors == 0 ? 0 : 1);
    }

    private static void usage(String problem) {
        System.err.println("tls-load: " + problem);
        System.err.println("usage: TlsLoad 127.0.0.1:PORT [--sessions N] [--messages N] [--size BYTES] [--reuse]"
                + " [--warmup-messages N] [--warmup-runs N] [--server-pid PID] [--clk-tck N] [--plain] [--resume]"
                + " [--timeout-seconds S]");
        System.exit(2);
    }
}
