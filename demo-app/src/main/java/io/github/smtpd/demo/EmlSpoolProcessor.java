package io.github.smtpd.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import io.github.smtpd.Message;
import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sample {@link MessageProcessor}: when a folder is configured, stores each message byte for byte as an
 * {@code .eml} file any mail client can open, and logs where; without one it does nothing (the server logs every
 * message itself).
 *
 * <p>The file is complete on disk before the client hears 250: it is written under a temporary name, forced to
 * the device, then renamed, so a crash never leaves half a message under an {@code .eml} name. If storing
 * fails the exception makes the server answer 451, and the client keeps the message and retries.
 */
public class EmlSpoolProcessor implements MessageProcessor {

    private static final Logger logger = LoggerFactory.getLogger(EmlSpoolProcessor.class);

    /** Sortable, and free of characters Windows forbids in file names. */
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
        .withZone(ZoneOffset.UTC);

    private static final String TEMPORARY_PREFIX = ".incoming-";

    private static final String TEMPORARY_SUFFIX = ".tmp";

    private final Path spoolDir;

    /**
     * Deletes the temporary files that a crash (kill -9, a power cut) left in {@code spoolDir}: the messages in them
     * were never acknowledged, so their clients still have them.
     *
     * @param spoolDir where to store messages, or {@code null} to store nothing
     */
    public EmlSpoolProcessor(Path spoolDir) {
        this.spoolDir = spoolDir;
        removeLeftovers();
    }

    /**
     * Only this processor's own temporary names, and only files older than this JVM: another process storing into
     * the same folder right now keeps its file.
     */
    private void removeLeftovers() {
        if (spoolDir == null || !Files.isDirectory(spoolDir)) {
            return;
        }
        Instant started = ProcessHandle.current().info().startInstant().orElse(Instant.EPOCH);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(spoolDir, TEMPORARY_PREFIX + "*" + TEMPORARY_SUFFIX)) {
            for (Path file : files) {
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                        && Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(started)) {
                    Files.deleteIfExists(file);
                    logger.info("Deleted {}, a message a crash left half-stored (never acknowledged)", file);
                }
            }
        }
        catch (IOException ex) {
            logger.warn("Could not clean up {} after a crash: {}", spoolDir, ex.toString());
        }
    }

    @Override
    public Reply process(Message message) throws IOException {
        // The server logs every message already (io.github.smtpd.internal at INFO): only say where it went.
        if (spoolDir != null) {
            logger.info("Message {} stored as {}", message.id(), store(message));
        }
        return null;
    }

    private Path store(Message message) throws IOException {
        Files.createDirectories(spoolDir);
        Instant received = (message.receivedAt() != null) ? message.receivedAt() : Instant.now();
        Path target = spoolDir.resolve(FILE_TIME.format(received) + "-" + safe(message.id()) + ".eml");
        Path temporary = Files.createTempFile(spoolDir, TEMPORARY_PREFIX, TEMPORARY_SUFFIX);
        try {
            try (InputStream in = message.openContent(); OutputStream out = Files.newOutputStream(temporary)) {
                in.transferTo(out);
            }
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Path stored = Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            syncFolder();
            return stored;
        }
        finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * The rename is in the folder's entries: without this a crash may lose it after the client heard 250. Where
     * the platform cannot open a folder for this (Windows), the rename is as durable as the platform makes it.
     */
    private void syncFolder() throws IOException {
        FileChannel folder;
        try {
            folder = FileChannel.open(spoolDir, StandardOpenOption.READ);
        }
        catch (IOException | UnsupportedOperationException ex) {
            return;
        }
        try (folder) {
            folder.force(true);
        }
    }

    /** Message ids are the server's, but a file name must never climb out of the folder. */
    private static String safe(String id) {
        return id.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
