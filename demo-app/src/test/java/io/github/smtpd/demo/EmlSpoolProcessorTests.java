package io.github.smtpd.demo;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import io.github.smtpd.Message;
import io.github.smtpd.MessageContent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


import static org.assertj.core.api.Assertions.assertThat;

class EmlSpoolProcessorTests {

    private static final byte[] CONTENT = "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void storesTheExactBytesUnderASafeName(@TempDir Path spool) throws Exception {
        Path folder = spool.resolve("not-yet-created");
        assertThat(new EmlSpoolProcessor(folder).process(message("../../evil"))).isNull();
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> stored = files.toList();
            assertThat(stored).singleElement().satisfies((eml) -> {
                assertThat(eml.getParent()).isEqualTo(folder);
                assertThat(eml.getFileName().toString()).startsWith("20240501T120000.000Z-").endsWith(".eml")
                    .doesNotContain("/");
                assertThat(Files.readAllBytes(eml)).isEqualTo(CONTENT);
            });
        }
    }

    @Test
    void withoutAFolderItAddsNoLineToTheServersOwn() throws Exception {
        try (LogCapture log = new LogCapture()) {
            assertThat(new EmlSpoolProcessor(null).process(message("m-1"))).isNull();
            assertThat(log.text()).doesNotContain("m-1");
        }
    }

    @Test
    void startingDeletesTheHalfStoredFilesACrashLeftAndNothingElse(@TempDir Path folder) throws Exception {
        Path leftover = Files.writeString(folder.resolve(".incoming-123.tmp"), "half a mess");
        Files.setLastModifiedTime(leftover, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        Path inFlight = Files.writeString(folder.resolve(".incoming-456.tmp"), "being written now");
        Path stored = Files.writeString(folder.resolve("20200101T000000.000Z-1.eml"), "kept");
        Files.setLastModifiedTime(stored, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        new EmlSpoolProcessor(folder);
        assertThat(leftover).doesNotExist();
        assertThat(inFlight).exists();
        assertThat(stored).exists();
    }

    @Test
    void withAFolderItLogsWhereTheMessageWent(@TempDir Path folder) throws Exception {
        try (LogCapture log = new LogCapture()) {
            new EmlSpoolProcessor(folder).process(message("m-3"));
            assertThat(log.text()).contains("Message m-3 stored as " + folder);
        }
    }

    private static Message message(String id) {
        return new Message(id, null, new InetSocketAddress("127.0.0.1", 40000), "client", "a@example.org",
                List.of("b@example.org"), List.of(), List.of(), MessageContent.of(CONTENT), false, null,
                Instant.parse("2024-05-01T12:00:00Z"));
    }
}
