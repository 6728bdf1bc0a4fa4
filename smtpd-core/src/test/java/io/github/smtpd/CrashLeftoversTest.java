package io.github.smtpd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What kill -9 leaves in the spool (messages that had spilled to a file) is deleted when a server starts, and only
 * that: files of processes that are gone, in the server's own spool folder, named as its spill files.
 */
class CrashLeftoversTest extends ServerTestSupport {

    private static final long OWN_PID = ProcessHandle.current().pid();

    private static final String HOST = io.github.smtpd.internal.SpillFilesAccess.host();

    @TempDir
    Path spool;

    @Test
    void aMessageThatSpillsGoesToAFileNamedForThisProcess() throws Exception {
        launch(TestServers.loopback().spoolThreshold(1024).spoolDirectory(spool).messageProcessor(new RecordingProcessor()));
        try (RawClient client = connect()) {
            client.openData("HELO c", "a@b.example", "c@d.example");
            client.send(("x".repeat(98) + "\r\n").repeat(50));
            // Half-way through DATA the content is on disk, under this process's name.
            assertThat(awaitFiles()).singleElement()
                .satisfies((file) -> assertThat(file.getFileName().toString()).matches(
                        "smtpd-" + java.util.regex.Pattern.quote(HOST) + "-" + OWN_PID + "-\\d+\\.eml"));
            assertThat(client.command(".")).isEqualTo("250 OK");
        }
    }

    @Test
    void startingDeletesTheSpillFilesOfProcessesThatAreGoneAndNothingElse() throws Exception {
        long gone = finishedProcessId();
        Process alive = new ProcessBuilder("sleep", "60").start();
        try {
            Path ofTheGone = touch("smtpd-" + HOST + "-" + gone + "-123.eml");
            Path ofAnotherRunningServer = touch("smtpd-" + HOST + "-" + alive.pid() + "-456.eml");
            Path oursFromBeforeThisJvm = touch("smtpd-" + HOST + "-" + OWN_PID + "-789.eml");
            Files.setLastModifiedTime(oursFromBeforeThisJvm, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
            Path oursInFlight = touch("smtpd-" + HOST + "-" + OWN_PID + "-790.eml");
            Path notOurName = touch("smtpd-notes.eml");
            // Another host's or container's file (a shared volume): its processes cannot be seen from here.
            Path anotherHost = touch("smtpd-other-host-" + gone + "-5.eml");
            Path anotherSuffix = touch("smtpd-" + HOST + "-" + gone + "-1.tmp");
            Path aFolder = Files.createDirectory(spool.resolve("smtpd-" + HOST + "-" + gone + "-2.eml"));

            launch(TestServers.loopback().spoolDirectory(spool).messageProcessor(new RecordingProcessor()));

            assertThat(ofTheGone).doesNotExist();
            assertThat(oursFromBeforeThisJvm).doesNotExist();
            assertThat(ofAnotherRunningServer).exists();
            assertThat(oursInFlight).exists();
            assertThat(notOurName).exists();
            assertThat(anotherHost).exists();
            assertThat(anotherSuffix).exists();
            assertThat(aFolder).isDirectory();
        }
        finally {
            alive.destroy();
        }
    }

    private Path touch(String name) throws IOException {
        return Files.writeString(spool.resolve(name), "From: a@b.example\r\n\r\nleft behind\r\n");
    }

    /** The id of a process that has ended. */
    private static long finishedProcessId() throws Exception {
        Process process = new ProcessBuilder("true").start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return process.pid();
    }

    private java.util.List<Path> awaitFiles() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Stream<Path> files = Files.list(spool)) {
                java.util.List<Path> found = files.toList();
                if (!found.isEmpty() || System.nanoTime() > deadline) {
                    return found;
                }
            }
            Thread.sleep(20);
        }
    }
}
