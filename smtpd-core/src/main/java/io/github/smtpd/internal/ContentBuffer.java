package io.github.smtpd.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.smtpd.MessageContent;

/**
 * A message's bytes while they arrive: in memory up to a threshold, then in a temporary file, and never
 * more than the size limit at all: past it the rest is counted and dropped, so the session can still read
 * to the end of data and answer 552.
 */
final class ContentBuffer implements SmtpInput.DataSink, MessageContent {

    /** The first allocation for a session that had no message yet (it starts with an empty buffer). */
    static final int INITIAL_MEMORY = 8192;

    private final long sizeLimit;

    private final int spoolThreshold;

    private final Path spoolDirectory;

    private byte[] memory;

    private int memoryLength;

    private Path file;

    private OutputStream fileOut;

    private long size;

    private boolean overflowed;

    /** The spill file could not be written (disk full, directory gone): the rest is read and dropped. */
    private boolean storageFailed;

    private volatile boolean released;

    /**
     * @param memory a buffer to reuse (a session keeps one between messages), grown as needed up to the
     *        threshold
     */
    ContentBuffer(long sizeLimit, int spoolThreshold, Path spoolDirectory, byte[] memory) {
        this.sizeLimit = sizeLimit;
        this.spoolThreshold = spoolThreshold;
        this.spoolDirectory = spoolDirectory;
        this.memory = memory;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return;
        }
        if (storageFailed) {
            size += length;
            return;
        }
        if (overflowed || (sizeLimit > 0 && size + length > sizeLimit)) {
            overflowed = true;
            size += length;
            discardStored();
            return;
        }
        size += length;
        if (file == null && memoryLength + length <= spoolThreshold) {
            ensureMemory(memoryLength + length);
            System.arraycopy(bytes, offset, memory, memoryLength, length);
            memoryLength += length;
            return;
        }
        try {
            if (file == null) {
                spill();
            }
            fileOut.write(bytes, offset, length);
        }
        catch (IOException ex) {
            // The client's bytes still have to be read to the end of data, so the session can answer 452.
            storageFailed = true;
            release();
        }
    }

    boolean isStorageFailed() {
        return storageFailed;
    }

    private void ensureMemory(int needed) {
        if (needed > memory.length) {
            int grown = Math.min(Math.max(Math.max(memory.length * 2, needed), INITIAL_MEMORY),
                    Math.max(spoolThreshold, needed));
            byte[] bigger = new byte[grown];
            System.arraycopy(memory, 0, bigger, 0, memoryLength);
            memory = bigger;
        }
    }

    private void spill() throws IOException {
        file = SpillFiles.create(spoolDirectory);
        fileOut = new java.io.BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
        fileOut.write(memory, 0, memoryLength);
        memoryLength = 0;
    }

    private void discardStored() throws IOException {
        memoryLength = 0;
        deleteFile();
    }

    /** Ends writing; the content becomes readable. */
    void finish() throws IOException {
        if (fileOut != null) {
            try {
                fileOut.close();
            }
            catch (IOException ex) {
                storageFailed = true;
                release();
            }
            fileOut = null;
        }
    }

    boolean isOverflowed() {
        return overflowed;
    }

    /** The memory buffer, for the session to reuse for its next message. */
    byte[] memory() {
        return memory;
    }

    boolean isSpilled() {
        return file != null;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public InputStream open() throws IOException {
        if (released) {
            throw new IllegalStateException(
                    "Message content is only readable while the message is processed; copy it to keep it");
        }
        if (file != null) {
            return Files.newInputStream(file);
        }
        // The memory goes to the session's next message, or to another session's: a stream kept past processing
        // must not read it.
        return new ByteArrayInputStream(memory, 0, memoryLength) {
            @Override
            public synchronized int read() {
                return released ? -1 : super.read();
            }

            @Override
            public synchronized int read(byte[] bytes, int offset, int length) {
                return released ? -1 : super.read(bytes, offset, length);
            }

            @Override
            public synchronized long transferTo(java.io.OutputStream out) throws IOException {
                return released ? 0 : super.transferTo(out);
            }

            @Override
            public synchronized byte[] readAllBytes() {
                return released ? new byte[0] : super.readAllBytes();
            }

            @Override
            public int readNBytes(byte[] bytes, int offset, int length) {
                return released ? 0 : super.readNBytes(bytes, offset, length);
            }
        };
    }

    /** Deletes any spill file; the content is unreadable afterwards. */
    void release() {
        released = true;
        try {
            deleteFile();
        }
        catch (IOException ex) {
            // Best effort: the file is in the temporary directory and named smtpd-*.eml.
        }
    }

    private void deleteFile() throws IOException {
        if (fileOut != null) {
            try {
                fileOut.close();
            }
            finally {
                fileOut = null;
            }
        }
        if (file != null) {
            Path toDelete = file;
            file = null;
            Files.deleteIfExists(toDelete);
        }
    }
}
