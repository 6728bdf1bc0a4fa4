package io.github.smtpd.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.Reply;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The command hot path: reading bounded command lines, splitting verb and argument, parsing MAIL/RCPT paths and
 * ESMTP parameters, and building the reply bytes, the steps {@code Session} takes for every command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CommandBenchmark {

    private static final String[] COMMANDS = {
        "EHLO client.example.org",
        "MAIL FROM:<sender@example.org> SIZE=4311 BODY=8BITMIME",
        "RCPT TO:<first.recipient@example.com>",
        "RCPT TO:<second.recipient@example.com>",
        "DATA",
        "RSET",
        "NOOP",
        "QUIT",
    };

    private static final byte[] MAIL = "MAIL FROM:<sender@example.org> SIZE=4311 BODY=8BITMIME"
            .getBytes(StandardCharsets.US_ASCII);

    private static final byte[] RCPT = "RCPT TO:<first.recipient@example.com>".getBytes(StandardCharsets.US_ASCII);

    private SmtpInput lines;

    @Setup(Level.Trial)
    public void setUp() {
        StringBuilder commands = new StringBuilder();
        for (String command : COMMANDS) {
            commands.append(command).append("\r\n");
        }
        lines = new SmtpInput(new RepeatingInputStream(commands.toString().getBytes(StandardCharsets.US_ASCII), 65536),
                16384, () -> {
                });
    }

    /** Eight command lines (one pipelined group) through the bounded line reader. */
    @Benchmark
    @OperationsPerInvocation(8)
    public int readLine() throws IOException {
        int total = 0;
        for (int i = 0; i < 8; i++) {
            total += lines.readLine(548);
        }
        return total;
    }

    /** What the session does with a MAIL line before the hook: decode, split, upper-case, parse path and parameters. */
    @Benchmark
    public Object parseMail(Blackhole blackhole) {
        String line = new String(MAIL, 0, MAIL.length, StandardCharsets.ISO_8859_1);
        int space = line.indexOf(' ');
        String verb = line.substring(0, space).toUpperCase(Locale.ROOT);
        String argument = line.substring(space + 1).strip();
        blackhole.consume(verb);
        MailPath path = MailPath.parse(argument.substring("FROM:".length()).strip(), true);
        return EsmtpParameters.parse(path.parameters());
    }

    /** The same for a RCPT line without parameters. */
    @Benchmark
    public Object parseRcpt(Blackhole blackhole) {
        String line = new String(RCPT, 0, RCPT.length, StandardCharsets.ISO_8859_1);
        int space = line.indexOf(' ');
        String verb = line.substring(0, space).toUpperCase(Locale.ROOT);
        String argument = line.substring(space + 1).strip();
        blackhole.consume(verb);
        MailPath path = MailPath.parse(argument.substring("TO:".length()).strip(), false);
        return EsmtpParameters.parse(path.parameters());
    }

    /** A reply with an enhanced status code built and encoded, as NOOP (and MAIL/RCPT's syntax reply) do. */
    @Benchmark
    public byte[] replyWithEnhancedCode() {
        return Reply.of(250, "2.0.0", "OK").toWire(false).getBytes(StandardCharsets.UTF_8);
    }

    /** The constant 250 OK encoded, as every accepted MAIL, RCPT and message does. */
    @Benchmark
    public byte[] replyOk() {
        return Reply.OK.toWire(false).getBytes(StandardCharsets.UTF_8);
    }
}
