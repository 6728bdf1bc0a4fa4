package io.github.smtpd.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.SmtpServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A whole transaction through a real server on 127.0.0.1, the way {@code smtp-source -d} sends it: MAIL, RCPT,
 * DATA, the message, each waiting for its reply (no pipelining). Measures the session's full path, sockets
 * included, one client at a time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LoopbackBenchmark {

    @Param({ "4096" })
    public int messageSize;

    private SmtpServer server;

    private Socket socket;

    private InputStream in;

    private OutputStream out;

    private byte[] message;

    private final byte[] reply = new byte[1024];

    private static final byte[] MAIL = "MAIL FROM:<foo@example.org>\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] RCPT = "RCPT TO:<bar@example.org>\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] DATA = "DATA\r\n".getBytes(StandardCharsets.US_ASCII);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = SmtpServer.builder()
                .localAddress("127.0.0.1:0")
                .hostName("sink.localhost")
                .messageProcessor(message -> null)
                .build();
        server.start();
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()), 10_000);
        in = new BufferedInputStream(socket.getInputStream(), 4096);
        out = socket.getOutputStream();
        expect('2');
        out.write("EHLO client.example.org\r\n".getBytes(StandardCharsets.US_ASCII));
        expect('2');
        byte[] body = new byte[messageSize];
        Arrays.fill(body, (byte) 'x');
        for (int i = 76; i < body.length; i += 78) {
            body[i] = '\r';
            body[i + 1] = '\n';
        }
        message = new byte[messageSize + 5];
        System.arraycopy(body, 0, message, 0, messageSize);
        System.arraycopy("\r\n.\r\n".getBytes(StandardCharsets.US_ASCII), 0, message, messageSize, 5);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        socket.close();
        server.stop(Duration.ofSeconds(1));
    }

    @Benchmark
    public int transaction() throws IOException {
        out.write(MAIL);
        expect('2');
        out.write(RCPT);
        expect('2');
        out.write(DATA);
        expect('3');
        out.write(message);
        return expect('2');
    }

    /** Reads one reply (every line of it) and checks its first digit. */
    private int expect(char digit) throws IOException {
        while (true) {
            int n = 0;
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new IOException("server closed the connection");
                }
                if (n < reply.length) {
                    reply[n++] = (byte) b;
                }
            }
            if (reply[0] != digit) {
                throw new IOException("unexpected reply " + new String(reply, 0, n, StandardCharsets.US_ASCII));
            }
            if (n < 4 || reply[3] != '-') {
                return n;
            }
        }
    }
}
