package io.github.smtpd.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
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

    private final Path spoolDir;

    /** @param spoolDir where to store messages, or {@code null} to only log them */
    public EmlSpoolProcessor(Path spoolDir) {
        this.spoolDir = spoolDir;
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
        Path temporary = Files.createTempFile(spoolDir, ".incoming-", ".tmp");
        try {
            try (InputStream in = message.openContent(); OutputStream out = Files.newOutputStream(temporary)) {
                in.transferTo(out);
            }
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            return Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        }
        finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Message ids are the server's, but a file name must never climb out of the folder. */
    private static String safe(String id) {
        return id.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
