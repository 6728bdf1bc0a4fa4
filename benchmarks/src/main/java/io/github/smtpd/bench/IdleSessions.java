package io.github.smtpd.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Load driver for the idle-sessions scenario: opens N concurrent SMTP sessions to a loopback server from one
 * thread, waits for every greeting, holds them all idle, then sends NOOP on every one and counts the
 * {@code 250} replies. Bounded in count (N) and in time (a deadline for the whole run).
 *
 * <pre>
 * java -cp smtpd-benchmarks.jar io.github.smtpd.bench.IdleSessions 127.0.0.1:2525 [--sessions 10000]
 *      [--hold-seconds 5] [--timeout-seconds 180] [--concurrent-connects 256] [--starttls]
 * </pre>
 *
 * Prints {@code HOLDING n} once n sessions are greeted and idle (a script may measure the server then), and a
 * last line {@code RESULT sessions=… greeted=… noop_ok=… failed=…}. Exits 0 only when every session answered
 * NOOP with 250.
 *
 * <p>{@code --starttls}: each session also does EHLO, STARTTLS, a full TLS handshake (any certificate trusted)
 * and EHLO again before it is counted as greeted and left idle; NOOP then goes over TLS. This mode uses blocking
 * {@code SSLSocket}s and a fixed pool of {@code --concurrent-connects} platform threads (default 64 here) for the
 * set-up and the NOOPs; while the sessions are idle, no client thread waits on any of them.
 */
public final class IdleSessions {

    private static final int CONNECTING = 0;

    private static final int GREETING = 1;

    private static final int IDLE = 2;

    private static final int NOOP = 3;

    private static final int DONE = 4;

    private static final int FAILED = 5;

    private IdleSessions() {
    }

    private static final class Conn {

        final SocketChannel channel;

        final ByteBuffer in = ByteBuffer.allocate(512);

        int state = CONNECTING;

        String reply;

        Conn(SocketChannel channel) {
            this.channel = channel;
        }
    }

    public static void main(String[] args) throws Exception {
        String address = null;
        int sessions = 10_000;
        int holdSeconds = 5;
        int timeoutSeconds = 180;
        int concurrentConnects = 256;
        boolean starttls = false;
        boolean connectsGiven = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--hold-seconds" -> holdSeconds = Integer.parseInt(args[++i]);
                case "--timeout-seconds" -> timeoutSeconds = Integer.parseInt(args[++i]);
                case "--concurrent-connects" -> {
                    concurrentConnects = Integer.parseInt(args[++i]);
                    connectsGiven = true;
                }
                case "--starttls" -> starttls = true;
                default -> address = args[i];
            }
        }
        if (address == null || !address.contains(":")) {
            System.err.println("usage: IdleSessions host:port [--sessions N] [--hold-seconds S] [--timeout-seconds S]");
            System.exit(2);
        }
        int colon = address.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)));
        if (!target.getAddress().isLoopbackAddress()) {
            System.err.println("IdleSessions only drives loopback servers");
            System.exit(2);
        }
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        if (starttls) {
            System.exit(TlsIdle.run(target, sessions, holdSeconds, deadline, connectsGiven ? concurrentConnects : 64));
        }
        List<Conn> conns = new ArrayList<>(sessions);
        int exit;
        try (Selector selector = Selector.open()) {
            long start = System.nanoTime();
            // Phase 1: connect and read every greeting, with a bounded number of handshakes in flight.
            int opened = 0;
            int greeted = 0;
            int failed = 0;
            int inFlight = 0;
            while ((greeted + failed) < sessions && System.nanoTime() < deadline) {
                while (opened < sessions && inFlight < concurrentConnects) {
                    SocketChannel channel = SocketChannel.open();
                    channel.configureBlocking(false);
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    Conn conn = new Conn(channel);
                    conns.add(conn);
                    opened++;
                    inFlight++;
                    try {
                        if (channel.connect(target)) {
                            conn.state = GREETING;
                            channel.register(selector, SelectionKey.OP_READ, conn);
                        }
                        else {
                            channel.register(selector, SelectionKey.OP_CONNECT, conn);
                        }
                    }
                    catch (IOException ex) {
                        conn.state = FAILED;
                        conn.reply = ex.toString();
                        failed++;
                        inFlight--;
                        channel.close();
                    }
                }
                selector.select(200);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    Conn conn = (Conn) key.attachment();
                    try {
                        if (conn.state == CONNECTING && key.isConnectable()) {
                            conn.channel.finishConnect();
                            conn.state = GREETING;
                            key.interestOps(SelectionKey.OP_READ);
                        }
                        else if (conn.state == GREETING && key.isReadable()) {
                            String reply = readReply(conn);
                            if (reply != null) {
                                conn.reply = reply;
                                key.interestOps(0);
                                inFlight--;
                                if (reply.startsWith("220 ")) {
                                    conn.state = IDLE;
                                    greeted++;
                                }
                                else {
                                    conn.state = FAILED;
                                    failed++;
                                }
                            }
                        }
                    }
                    catch (IOException ex) {
                        conn.state = FAILED;
                        conn.reply = ex.toString();
                        failed++;
                        inFlight--;
                        key.cancel();
                        conn.channel.close();
                    }
                }
            }
            double connectSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("HOLDING %d (greeted in %.1f s, %d failed)%n", greeted, connectSeconds, failed);
            System.out.flush();
            // Phase 2: every session idle at once.
            long holdUntil = Math.min(deadline, System.nanoTime() + holdSeconds * 1_000_000_000L);
            while (System.nanoTime() < holdUntil) {
                Thread.sleep(100);
            }
            // Phase 3: NOOP on every idle session.
            ByteBuffer noop = ByteBuffer.wrap("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            int waiting = 0;
            for (Conn conn : conns) {
                if (conn.state != IDLE) {
                    continue;
                }
                try {
                    noop.rewind();
                    while (noop.hasRemaining()) {
                        conn.channel.write(noop);
                    }
                    conn.state = NOOP;
                    conn.in.clear();
                    conn.channel.keyFor(selector).interestOps(SelectionKey.OP_READ);
                    waiting++;
                }
                catch (IOException ex) {
                    conn.state = FAILED;
                    conn.reply = ex.toString();
                    failed++;
                }
            }
            int noopOk = 0;
            while (waiting > 0 && System.nanoTime() < deadline) {
                selector.select(200);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    Conn conn = (Conn) key.attachment();
                    if (conn.state != NOOP || !key.isReadable()) {
                        continue;
                    }
                    try {
                        String reply = readReply(conn);
                        if (reply != null) {
                            conn.reply = reply;
                            key.interestOps(0);
                            waiting--;
                            if (reply.startsWith("250")) {
                                conn.state = DONE;
                                noopOk++;
                            }
                            else {
                                conn.state = FAILED;
                                failed++;
                            }
                        }
                    }
                    catch (IOException ex) {
                        conn.state = FAILED;
                        conn.reply = ex.toString();
                        failed++;
                        waiting--;
                        key.cancel();
                    }
                }
            }
            double totalSeconds = (System.nanoTime() - start) / 1e9;
            String sample = conns.stream().filter(c -> c.state == FAILED || c.state == NOOP).map(c -> c.reply)
                    .filter(r -> r != null).findFirst().orElse("-");
            System.out.printf("RESULT sessions=%d greeted=%d noop_ok=%d failed=%d seconds=%.1f first_failure=%s%n",
                    sessions, greeted, noopOk, sessions - noopOk, totalSeconds, sample.strip());
            exit = noopOk == sessions ? 0 : 1;
            // Leave politely, then close.
            ByteBuffer quit = ByteBuffer.wrap("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            for (Conn conn : conns) {
                try {
                    if (conn.channel.isOpen() && conn.channel.isConnected()) {
                        quit.rewind();
                        conn.channel.write(quit);
                    }
                }
                catch (IOException ex) {
                    // Closing anyway.
                }
            }
        }
        finally {
            for (Conn conn : conns) {
                try {
                    conn.channel.close();
                }
                catch (IOException ex) {
                    // Nothing to do.
                }
            }
        }
        System.exit(exit);
    }

    /** Reads what is there; returns the complete (last line of the) reply, or null while it is incomplete. */
    private static String readReply(Conn conn) throws IOException {
        int n = conn.channel.read(conn.in);
        if (n < 0) {
            throw new IOException("connection closed by the server");
        }
        ByteBuffer in = conn.in;
        int end = in.position();
        byte[] bytes = in.array();
        int lineStart = 0;
        for (int i = 0; i + 1 < end; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                String line = new String(bytes, lineStart, i - lineStart, StandardCharsets.US_ASCII);
                if (line.length() < 4 || line.charAt(3) != '-') {
                    return line;
                }
                lineStart = i + 2;
            }
        }
        if (!in.hasRemaining()) {
            throw new IOException("reply too long");
        }
        return null;
    }
}
