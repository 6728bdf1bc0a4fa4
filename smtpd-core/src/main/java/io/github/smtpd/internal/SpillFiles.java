package io.github.smtpd.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files that messages too large for memory spill to, and the removal of those a crash left behind.
 *
 * <p>A spill file is deleted when its transaction ends; after kill -9 or a power cut it stays. Its name carries the
 * host name and the process id ({@code smtpd-<host>-<pid>-<random>.eml}), so that a server starting in a shared
 * folder (the JVM's temporary directory, by default) removes only files of this host's processes that are gone,
 * never those of another server still receiving into them, nor those of another host or container whose processes
 * it cannot see (a volume shared by pods). A file of this very process id is a leftover only if it is older than
 * this JVM (a container restarted with the same pid and name).
 */
public final class SpillFiles {

    private static final Logger logger = LoggerFactory.getLogger(SpillFiles.class);

    private static final long PID = ProcessHandle.current().pid();

    private static final String HOST = hostName();

    /** The prefix of this process's spill files. */
    static final String PREFIX = "smtpd-" + HOST + "-" + PID + "-";

    static final String SUFFIX = ".eml";

    private static final Pattern NAME = Pattern.compile("smtpd-" + Pattern.quote(HOST) + "-(\\d{1,19})-\\d+\\.eml");

    private SpillFiles() {
    }

    /** This machine's (or container's) name, in the characters a file name may hold everywhere. */
    private static String hostName() {
        String name;
        try {
            name = java.net.InetAddress.getLocalHost().getHostName();
        }
        catch (java.io.IOException | SecurityException ex) {
            name = "localhost";
        }
        String safe = name.replaceAll("[^A-Za-z0-9.]", "_");
        return safe.isEmpty() ? "localhost" : safe.substring(0, Math.min(safe.length(), 63));
    }

    /** The name pattern of this host's spill files, for tests. */
    static String host() {
        return HOST;
    }

    /** A new, empty spill file of this process in {@code directory}. */
    static Path create(Path directory) throws IOException {
        return Files.createTempFile(directory, PREFIX, SUFFIX);
    }

    /**
     * Deletes the spill files that processes no longer running left in {@code directory}; anything not named as
     * a spill file, and anything that is not a regular file, is left alone.
     *
     * @return how many were deleted
     */
    public static int removeLeftovers(Path directory) {
        if (directory == null || !Files.isDirectory(directory)) {
            return 0;
        }
        Instant started = ProcessHandle.current().info().startInstant().orElse(Instant.EPOCH);
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "smtpd-*.eml")) {
            for (Path file : files) {
                if (isLeftover(file, started)) {
                    try {
                        if (Files.deleteIfExists(file)) {
                            removed++;
                        }
                    }
                    catch (IOException ex) {
                        logger.warn("Could not delete {}, a spill file a crash left behind: {}", file, ex.toString());
                    }
                }
            }
        }
        catch (IOException | RuntimeException ex) {
            logger.warn("Could not look for spill files a crash left in {}: {}", directory, ex.toString());
        }
        if (removed > 0) {
            logger.info("Deleted {} spill file(s) that a stopped process left in {}", removed, directory);
        }
        return removed;
    }

    private static boolean isLeftover(Path file, Instant started) {
        Matcher name = NAME.matcher(file.getFileName().toString());
        if (!name.matches()) {
            return false;
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                return false;
            }
            long pid = Long.parseLong(name.group(1));
            if (pid == PID) {
                return attributes.lastModifiedTime().toInstant().isBefore(started);
            }
            return ProcessHandle.of(pid).map((process) -> !process.isAlive()).orElse(true);
        }
        catch (IOException | NumberFormatException ex) {
            return false;
        }
    }
}
