package io.github.smtpd.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * {@link IdleSessions} with {@code --starttls}: N sessions that each greet, EHLO, STARTTLS, handshake (full
 * handshakes: every connection has a session-cache key of its own, as in {@link TlsLoad}) and EHLO again, then
 * stay idle; then NOOP over TLS on each. Same output lines as the plain driver: {@code HOLDING n (…)} once every
 * session is set up or failed, and {@code RESULT sessions=… greeted=… noop_ok=… failed=… …}.
 */
final class TlsIdle {

    private TlsIdle() {
    }

    private static final class Conn {

        Socket socket;

        InputStream in;

        OutputStream out;

        String failure;

        boolean idle;

        boolean noopOk;
    }

    static int run(InetSocketAddress target, int sessions, int holdSeconds, long deadline, int threads)
            throws Exception {
        SSLContext context = BenchTls.trustAllClientContext();
        context.getClientSessionContext().setSessionCacheSize(64);
        SSLSocketFactory factory = context.getSocketFactory();
        AtomicLong keys = new AtomicLong();
        Map<String, AtomicInteger> negotiated = new ConcurrentHashMap<>();
        List<Conn> conns = new ArrayList<>(sessions);
        for (int i = 0; i < sessions; i++) {
            conns.add(new Conn());
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "tls-idle");
            thread.setDaemon(true);
            return thread;
        });
        long start = System.nanoTime();
        // Phase 1: set every session up, at most `threads` at a time.
        List<Future<?>> setUps = new ArrayList<>(sessions);
        for (Conn conn : conns) {
            setUps.add(pool.submit(() -> {
                if (System.nanoTime() > deadline) {
                    conn.failure = "deadline";
                    return;
                }
                try {
                    Socket plain = new Socket();
                    conn.socket = plain;
                    plain.setTcpNoDelay(true);
                    plain.setSoTimeout(60_000);
                    plain.connect(target, 30_000);
                    streams(conn);
                    expect(conn, 220);
                    String ehlo = command(conn, "EHLO idle.example.org", 250);
                    if (!ehlo.toUpperCase(Locale.ROOT).contains("STARTTLS")) {
                        throw new IOException("STARTTLS not offered");
                    }
                    command(conn, "STARTTLS", 220);
                    SSLSocket ssl = (SSLSocket) factory.createSocket(plain, "tls-idle-" + keys.incrementAndGet(),
                            target.getPort(), true);
                    ssl.setUseClientMode(true);
                    SSLParameters parameters = ssl.getSSLParameters();
                    parameters.setServerNames(List.of());
                    ssl.setSSLParameters(parameters);
                    ssl.startHandshake();
                    SSLSession session = ssl.getSession();
                    negotiated.computeIfAbsent(session.getProtocol() + "/" + session.getCipherSuite(),
                            k -> new AtomicInteger()).incrementAndGet();
                    conn.socket = ssl;
                    streams(conn);
                    command(conn, "EHLO idle.example.org", 250);
                    conn.idle = true;
                }
                catch (Exception ex) {
                    conn.failure = ex.toString();
                    close(conn);
                }
            }));
        }
        waitFor(setUps, deadline);
        int greeted = (int) conns.stream().filter(c -> c.idle).count();
        double setUpSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("HOLDING %d (greeted, STARTTLS and EHLO again in %.1f s, %.0f handshakes/s, %d failed,"
                + " negotiated %s)%n", greeted, setUpSeconds, greeted / setUpSeconds, sessions - greeted,
                new TreeMap<>(negotiated).toString().replace(" ", ""));
        System.out.flush();
        // Phase 2: every session idle at once.
        long holdUntil = Math.min(deadline, System.nanoTime() + holdSeconds * 1_000_000_000L);
        while (System.nanoTime() < holdUntil) {
            Thread.sleep(100);
        }
        // Phase 3: NOOP over TLS on every idle session.
        List<Future<?>> noops = new ArrayList<>(sessions);
        for (Conn conn : conns) {
            if (!conn.idle) {
                continue;
            }
            noops.add(pool.submit(() -> {
                try {
                    command(conn, "NOOP", 250);
                    conn.noopOk = true;
                }
                catch (Exception ex) {
                    conn.failure = "NOOP: " + ex;
                }
            }));
        }
        waitFor(noops, deadline);
        int noopOk = (int) conns.stream().filter(c -> c.noopOk).count();
        double totalSeconds = (System.nanoTime() - start) / 1e9;
        String sample = conns.stream().map(c -> c.failure).filter(f -> f != null).findFirst().orElse("-");
        System.out.printf("RESULT sessions=%d greeted=%d noop_ok=%d failed=%d seconds=%.1f starttls=yes"
                + " first_failure=%s%n", sessions, greeted, noopOk, sessions - noopOk, totalSeconds,
                sample.strip().replace(' ', '_'));
        System.out.flush();
        // Leave politely, then close.
        List<Future<?>> quits = new ArrayList<>(sessions);
        for (Conn conn : conns) {
            quits.add(pool.submit(() -> {
                if (conn.noopOk) {
                    try {
                        conn.socket.setSoTimeout(2_000);
                        command(conn, "QUIT", 221);
                    }
                    catch (Exception ex) {
                        // Closing anyway.
                    }
                }
                close(conn);
            }));
        }
        waitFor(quits, System.nanoTime() + 30_000_000_000L);
        pool.shutdownNow();
        return noopOk == sessions ? 0 : 1;
    }

    private static void waitFor(List<Future<?>> tasks, long deadline) throws InterruptedException {
        for (Future<?> task : tasks) {
            try {
                task.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
                // Counted by the session's own state.
            }
        }
    }

    private static void streams(Conn conn) throws IOException {
        conn.in = new BufferedInputStream(conn.socket.getInputStream(), 1024);
        conn.out = conn.socket.getOutputStream();
    }

    private static String command(Conn conn, String command, int code) throws IOException {
        conn.out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        conn.out.flush();
        return expect(conn, code);
    }

    private static String expect(Conn conn, int code) throws IOException {
        StringBuilder reply = new StringBuilder();
        StringBuilder line = new StringBuilder();
        while (true) {
            line.setLength(0);
            int c;
            while ((c = conn.in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed by the server");
                }
                if (c != '\r' && line.length() < 1024) {
                    line.append((char) c);
                }
            }
            reply.append(line).append('\n');
            if (line.length() < 4 || line.charAt(3) != '-') {
                if (!line.toString().startsWith(Integer.toString(code))) {
                    throw new IOException("unexpected reply: " + line);
                }
                return reply.toString();
            }
        }
    }

    private static void close(Conn conn) {
        try {
            if (conn.socket != null) {
                conn.socket.close();
            }
        }
        catch (IOException ex) {
            // Nothing to do.
        }
    }
}
