package io.github.smtpd.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The DATA hot path of a session: reading message bytes with dot-unstuffing and end-of-data detection, into
 * a counting sink and into the real {@link ContentBuffer}.
 * Lives in the core's package to reach its package-private classes (no JPMS, so the split package is fine).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DataBenchmark {

    /** Bytes a socket read hands over at most. */
    private static final int CHUNK = 65536;

    @Param({ "4096", "1048576" })
    public int messageSize;

    private SmtpInput data;

    private Path spool;

    private byte[] memory = new byte[8192];

    private final CountingSink counting = new CountingSink();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        data = new SmtpInput(new RepeatingInputStream(message(messageSize), CHUNK), 16384, () -> {
        });
        spool = Files.createTempDirectory("smtpd-jmh");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(spool);
    }

    /** A message of about {@code size} bytes: headers, 76-character lines, every tenth one dot-stuffed. */
    static byte[] message(int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 128);
        byte[] header = ("From: sender@example.org\r\nTo: first.recipient@example.com\r\n"
                + "Subject: benchmark\r\nMessage-ID: <1@example.org>\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(header);
        byte[] line = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmn\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] stuffed = "..a line that began with a dot, so the client doubled it for transparency.\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        int n = 0;
        while (out.size() < size) {
            out.writeBytes(++n % 10 == 0 ? stuffed : line);
        }
        out.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** One message through the DATA state machine into a sink that only counts. */
    @Benchmark
    public long readDataCounting() throws IOException {
        counting.count = 0;
        data.readData(counting, 0);
        return counting.count;
    }

    /** One message through the DATA state machine into the session's real buffer (memory, spilling past 1 MiB). */
    @Benchmark
    public long readDataIntoContentBuffer(Blackhole blackhole) throws IOException {
        ContentBuffer content = new ContentBuffer(33554432L, 1024 * 1024, spool, memory);
        try {
            data.readData(content, 0);
            content.finish();
            memory = content.memory();
            blackhole.consume(content.isSpilled());
            return content.size();
        }
        finally {
            content.release();
        }
    }

    static final class CountingSink implements SmtpInput.DataSink {

        long count;

        @Override
        public void write(byte[] bytes, int offset, int length) {
            count += length;
        }
    }
}
