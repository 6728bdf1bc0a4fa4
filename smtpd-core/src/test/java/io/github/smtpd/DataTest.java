package io.github.smtpd;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** DATA: end of data, transparency, the size limit while reading, and spilling to disk. */
class DataTest extends ServerTestSupport {

    @TempDir
    Path spool;

    private RawClient transaction(SmtpServer.Builder builder) throws IOException {
        server = builder.build();
        server.start();
        RawClient client = RawClient.connect(TestServers.address(server));
        client.command("HELO c");
        assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 OK");
        assertThat(client.command("RCPT TO:<c@d.example>")).isEqualTo("250 OK");
        assertThat(client.command("DATA")).isEqualTo("354 End data with <CR><LF>.<CR><LF>");
        return client;
    }

    @Test
    void anEmptyMessageIsProcessedNotHung() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        try (RawClient client = transaction(TestServers.loopback().messageProcessor(processor))) {
            assertThat(client.command(".")).isEqualTo("250 OK");
        }
        assertThat(processor.next().content()).isEmpty();
    }

    @Test
    void onlyCrLfDotCrLfEndsTheData() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        String content = "a\n.\nb\r\n.\nc\n.\r\nd\r.\re\r\n.\rf\r\n. \r\ng\r\n";
        try (RawClient client = transaction(TestServers.loopback().messageProcessor(processor))) {
            client.send(content + ".\r\n");
            assertThat(client.readReply()).isEqualTo("250 OK");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
        // Bare LF and CR are content; a dot that starts a CRLF line is transparency and removed.
        assertThat(processor.next().text()).isEqualTo("a\n.\nb\r\n\nc\n.\r\nd\r.\re\r\n\rf\r\n \r\ng\r\n");
        assertThat(processor.all()).hasSize(1);
    }

    @Test
    void theEndOfDataMaySplitAcrossReads() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        try (RawClient client = transaction(TestServers.loopback().messageProcessor(processor))) {
            for (String piece : List.of("line\r", "\n", ".", ".x\r\n", ".", "\r", "\n")) {
                client.send(piece);
                Thread.sleep(20);
            }
            assertThat(client.readReply()).isEqualTo("250 OK");
        }
        assertThat(processor.next().text()).isEqualTo("line\r\n.x\r\n");
    }

    @Test
    void anOversizedMessageGets552AndTheSessionGoesOn() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        try (RawClient client = transaction(TestServers.loopback().dataSizeLimit(100).messageProcessor(processor))) {
            client.send("x".repeat(150) + "\r\n");
            assertThat(client.command(".")).isEqualTo("552 Error: Too much mail data");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
            assertThat(client.command("RCPT TO:<c@d.example>")).isEqualTo("503 Error: need MAIL command");
            assertThat(client.command("MAIL FROM:<a@b.example>")).isEqualTo("250 OK");
            client.command("RCPT TO:<c@d.example>");
            client.command("DATA");
            assertThat(client.command("small\r\n.")).isEqualTo("250 OK");
        }
        assertThat(processor.next().text()).isEqualTo("small\r\n");
        assertThat(processor.all()).hasSize(1);
    }

    @Test
    void aMessageOfExactlyTheLimitIsAccepted() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        try (RawClient client = transaction(TestServers.loopback().dataSizeLimit(100).messageProcessor(processor))) {
            client.send("x".repeat(98) + "\r\n");
            assertThat(client.command(".")).isEqualTo("250 OK");
        }
        assertThat(processor.next().content()).hasSize(100);
    }

    @Test
    void aOneGibibyteStreamNeverGetsPastTheLimitIntoMemoryOrDisk() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        try (RawClient client = transaction(TestServers.loopback().spoolDirectory(spool).messageProcessor(processor))) {
            byte[] chunk = new byte[1024 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            for (int i = 1023; i < chunk.length; i += 1024) {
                chunk[i - 1] = '\r';
                chunk[i] = '\n';
            }
            OutputStream out = client.output();
            for (int i = 0; i < 1024; i++) {
                out.write(chunk);
                if (i % 64 == 0) {
                    try (Stream<Path> files = Files.list(spool)) {
                        long spooled = files.mapToLong(DataTest::sizeOf).sum();
                        assertThat(spooled).isLessThanOrEqualTo(SmtpServer.DEFAULT_DATA_SIZE_LIMIT);
                    }
                }
            }
            out.flush();
            assertThat(client.command(".")).isEqualTo("552 Error: Too much mail data");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
        assertThat(processor.all()).isEmpty();
        try (Stream<Path> files = Files.list(spool)) {
            assertThat(files).isEmpty();
        }
    }

    private static long sizeOf(Path path) {
        try {
            return Files.size(path);
        }
        catch (IOException ex) {
            return 0; // deleted meanwhile
        }
    }

    @Test
    void aLargeMessageSpillsToAFileThatIsDeletedAfterProcessing() throws Exception {
        AtomicReference<List<Path>> seen = new AtomicReference<>();
        AtomicReference<byte[]> content = new AtomicReference<>();
        MessageProcessor processor = message -> {
            try (Stream<Path> files = Files.list(spool)) {
                seen.set(files.toList());
            }
            try (var in = message.openContent()) {
                content.set(in.readAllBytes());
            }
            return null;
        };
        String line = "0123456789".repeat(10) + "\r\n";
        try (RawClient client = transaction(
                TestServers.loopback().spoolThreshold(4096).spoolDirectory(spool).messageProcessor(processor))) {
            client.send(line.repeat(100));
            assertThat(client.command(".")).isEqualTo("250 OK");
        }
        assertThat(seen.get()).hasSize(1);
        assertThat(new String(content.get(), StandardCharsets.US_ASCII)).isEqualTo(line.repeat(100));
        try (Stream<Path> files = Files.list(spool)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aConnectionDroppedInDataProcessesNothing() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        RawClient client = transaction(TestServers.loopback().messageProcessor(processor));
        client.send("Subject: half\r\n\r\nhalf a message\r\n");
        client.close();
        // A second, complete message proves the server went on, and is the only one processed.
        try (RawClient second = RawClient.connect(TestServers.address(server))) {
            second.openData("HELO c", "a@b.example", "c@d.example");
            assertThat(second.command("whole\r\n.")).isEqualTo("250 OK");
        }
        assertThat(processor.next().text()).isEqualTo("whole\r\n");
        assertThat(processor.all()).hasSize(1);
    }

    @Test
    void decodeDataHandsOnText() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        try (RawClient client = transaction(TestServers.loopback().decodeData(true).messageProcessor(processor))) {
            client.send("caf\u00e9\r\n");
            assertThat(client.command(".")).isEqualTo("250 OK");
        }
        RecordingProcessor.Received received = processor.next();
        assertThat(received.message().isDecodeData()).isTrue();
        assertThat(received.text()).isEqualTo("caf\u00e9\r\n");
    }

    @Test
    void decodeDataChecksSpilledContentAcrossChunkBoundaries() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        // A two-byte character cut by the checker's 8 KiB chunks, in a message that spilled to disk.
        String text = "a".repeat(8191) + "\u00e9" + "b".repeat(20_000) + "\r\n";
        try (RawClient client = transaction(TestServers.loopback().decodeData(true).spoolThreshold(1024)
            .spoolDirectory(spool).messageProcessor(processor))) {
            client.send(text);
            assertThat(client.command(".")).isEqualTo("250 OK");
        }
        assertThat(processor.next().text()).isEqualTo(text);
    }

    @Test
    void decodeDataRefusesContentThatIsNotUtf8() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        try (RawClient client = transaction(TestServers.loopback().decodeData(true).messageProcessor(processor))) {
            client.send(new byte[] { 'a', (byte) 0xff, '\r', '\n' });
            assertThat(client.command(".")).isEqualTo("554 Error: message content is not valid UTF-8");
            assertThat(client.command("NOOP")).isEqualTo("250 OK");
        }
        assertThat(processor.all()).isEmpty();
    }
}
