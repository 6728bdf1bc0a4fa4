package io.github.smtpd.capture;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of temporary store files: {@code smtpd-capture-<pid>-<n>.mv.db}, so that a start can delete what a process
 * that is gone (killed, crashed) left behind, and nothing else.
 */
final class TemporaryStores {

    private static final Pattern NAME = Pattern.compile("smtpd-capture-(\\d+)-\\d+\\.mv\\.db");

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TemporaryStores() {
    }

    static Path newFile(Path directory) {
        try {
            Files.createDirectories(directory);
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot create " + directory + " for the capture store: " + ex, ex);
        }
        long pid = ProcessHandle.current().pid();
        return directory.resolve("smtpd-capture-" + pid + "-" + COUNTER.incrementAndGet() + ".mv.db");
    }

    static void removeLeftovers(Path directory) {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "smtpd-capture-*.mv.db")) {
            for (Path file : files) {
                Matcher matcher = NAME.matcher(file.getFileName().toString());
                if (matcher.matches() && ProcessHandle.of(Long.parseLong(matcher.group(1))).isEmpty()) {
                    Files.deleteIfExists(file);
                }
            }
        }
        catch (IOException | RuntimeException ex) {
            // Only a clean-up: the new store does not depend on it.
        }
    }
}
