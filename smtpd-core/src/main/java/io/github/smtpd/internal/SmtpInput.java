package io.github.smtpd.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The client's bytes, buffered once and read in the two ways SMTP needs: bounded command lines, and
 * DATA up to {@code CRLF.CRLF} with dot-unstuffing. Before it blocks for more input it flushes pending
 * replies, so a pipelined group of commands is answered in one write once the client's input is drained.
 */
final class SmtpInput {

    /** {@link #readLine} returned at end of stream. */
    static final int EOF = -1;

    /** {@link #readLine} consumed a line longer than allowed. */
    static final int TOO_LONG = -2;

    /** {@link #pollLine} and {@link #pollData} used every buffered byte and need more. */
    static final int MORE = -3;

    private static final int BOL = 0;

    private static final int DOT = 1;

    private static final int DOT_CR = 2;

    private static final int MID = 3;

    private static final int CR = 4;

    /** Where a blocking read waits; {@code null} while an event loop feeds this input ({@link #readFrom}). */
    private InputStream in;

    private final Flusher flusher;

    /** What a session holds while it reads commands: more than the longest command line. */
    static final int COMMAND_BUFFER_SIZE = 1024;

    /** The size for bulk input: DATA, BDAT, or commands pipelined past the small buffer. */
    private final int bufferSize;

    private byte[] buffer;

    private int position;

    private int limit;

    private long bytesRead;

    private byte[] line = new byte[128];

    /** Where bulk buffers come from and go back to on an event loop; {@code null} when none lends them. */
    private EventLoop pool;

    void pooledBy(EventLoop loop) {
        this.pool = loop;
    }

    private byte[] newBulkBuffer() {
        return pool != null && pool.inLoop() ? pool.takeReadBuffer(bufferSize) : new byte[bufferSize];
    }

    /** The bulk buffer this input holds, if any, for its loop's pool once the session ended; drops it here. */
    byte[] takeBulkBuffer() {
        if (buffer.length != bufferSize) {
            return null;
        }
        byte[] bulk = buffer;
        buffer = new byte[0];
        position = 0;
        limit = 0;
        return bulk;
    }

    /** Whether the last read filled the whole buffer, i.e. the client may have more bytes waiting. */
    private boolean lastReadFilled;

    interface Flusher {
        void flush() throws IOException;
    }

    SmtpInput(InputStream in, int bufferSize, Flusher flusher) {
        this.in = in;
        this.bufferSize = bufferSize;
        // Small until bulk input arrives, so that thousands of idle sessions hold little heap.
        this.buffer = new byte[Math.min(bufferSize, COMMAND_BUFFER_SIZE)];
        this.flusher = flusher;
    }

    long bytesRead() {
        return bytesRead;
    }

    byte[] lineBytes() {
        return line;
    }

    /** Whether bytes are buffered here, i.e. the client pipelined more commands. */
    boolean hasBuffered() {
        return position < limit;
    }

    /** When this input began to wait for the client ({@link System#nanoTime()}), or 0 while it is not waiting. */
    private volatile long waitingSince;

    /**
     * How long this input has been blocked waiting for the client, in nanoseconds; 0 while it is not. The
     * session's watchdog uses this instead of a socket read timeout, which would make every read a
     * non-blocking read plus a poll (twice the system calls) and, on virtual threads, a timer per read.
     */
    long waitingNanos(long now) {
        long since = waitingSince;
        return since == 0 ? 0 : now - since;
    }

    /**
     * When the session began to wait for the record it is reading now (a command line, a message's data, a BDAT
     * chunk), or 0: unlike {@link #waitingSince} it is not moved by the bytes that arrive, so a client sending a
     * byte now and then cannot hold the session for ever (Postfix's {@code smtpd_per_record_deadline}).
     */
    private volatile long recordSince;

    /** {@link #bytesRead} when the current record began. */
    private volatile long recordStartBytes;

    private void startRecord(long now) {
        if (recordSince == 0) {
            recordStartBytes = bytesRead;
            recordSince = now | 1;
        }
    }

    /** The record the session waited for is complete (or the session moves to another kind of record). */
    void endRecord() {
        recordSince = 0;
    }

    /** How long the session has been reading its current record, in nanoseconds; 0 when it reads none. */
    long recordNanos(long now) {
        long since = recordSince;
        return since == 0 ? 0 : now - since;
    }

    /** The bytes of the current record received so far, for the minimum data rate. */
    long recordBytes() {
        return recordSince == 0 ? 0 : bytesRead - recordStartBytes;
    }

    private boolean fill() throws IOException {
        // Replies go out before this thread blocks for input, and not while the client's pipelined commands
        // are still waiting, so a group of them is answered in one write. A read that did not fill the buffer
        // took all the bytes the socket had, so the check (a FIONREAD system call behind available()) is only
        // worth making after a full one: flushing a little early is always safe, flushing late never happens.
        if (!lastReadFilled || in.available() <= 0) {
            flusher.flush();
        }
        if (lastReadFilled && buffer.length < bufferSize) {
            // The client sends more than the small buffer holds; it is drained, so it is simply replaced.
            buffer = newBulkBuffer();
        }
        int read;
        waitingSince = System.nanoTime() | 1;
        startRecord(waitingSince);
        try {
            read = in.read(buffer, 0, buffer.length);
        }
        finally {
            waitingSince = 0;
        }
        if (read < 0) {
            return false;
        }
        lastReadFilled = read == buffer.length;
        position = 0;
        limit = read;
        bytesRead += read;
        return true;
    }

    /**
     * Reads what the socket has without waiting, for an event loop: appends to the unused bytes.
     *
     * @return the bytes read, 0 when none were ready, or -1 at end of stream
     */
    /** Whether {@link #readFrom} has room to read into, after compacting or growing as it would. */
    boolean hasRoom() {
        return position == limit || position > 0 || limit < buffer.length
                || (lastReadFilled && buffer.length < bufferSize);
    }

    /** The channel's view of {@link #buffer}, kept rather than wrapped anew for every read. */
    private java.nio.ByteBuffer readView = java.nio.ByteBuffer.allocate(0);

    int readFrom(java.nio.channels.ReadableByteChannel channel) throws IOException {
        if (position == limit) {
            position = 0;
            limit = 0;
        }
        // As in fill(): a client that filled the small buffer sends more than it holds.
        boolean grow = lastReadFilled && buffer.length < bufferSize;
        if (grow || (limit == buffer.length && position > 0)) {
            byte[] target = grow ? newBulkBuffer() : buffer;
            System.arraycopy(buffer, position, target, 0, limit - position);
            limit -= position;
            position = 0;
            buffer = target;
        }
        if (readView.array() != buffer) {
            readView = java.nio.ByteBuffer.wrap(buffer);
        }
        int read = channel.read(readView.limit(buffer.length).position(limit));
        if (read > 0) {
            lastReadFilled = limit + read == buffer.length;
            limit += read;
            bytesRead += read;
        }
        return read;
    }

    /**
     * Makes blocking reads wait on {@code stream} (a PROXY header, read before the session joins its loop), or on
     * nothing again ({@code null}).
     */
    void waitOn(InputStream stream) {
        in = stream;
    }

    /**
     * Marks when an event loop began waiting for this client ({@link System#nanoTime()}, the loop's clock of
     * this turn), for the watchdog; 0 when it stopped.
     */
    void waitingSince(long nanos) {
        waitingSince = nanos == 0 ? 0 : nanos | 1;
        if (nanos != 0) {
            startRecord(nanos);
        }
    }

    /**
     * Reads one line into {@link #lineBytes()}, without its line ending (CRLF, or a bare LF that some
     * clients send in commands).
     *
     * @return the line's length, {@link #EOF}, or {@link #TOO_LONG} when it had more than {@code max} bytes
     *         (the whole line is consumed, so the session can answer and go on)
     */
    int readLine(int max) throws IOException {
        while (true) {
            int length = pollLine(max);
            if (length != MORE) {
                return length;
            }
            if (!fill()) {
                return EOF;
            }
        }
    }

    /** The bytes of a line cut by the end of the buffer so far, and whether it is too long already. */
    private int partialLength;

    private boolean partialTooLong;

    /**
     * {@link #readLine} without waiting: takes a line from the buffered bytes, or keeps the start of one and
     * returns {@link #MORE}.
     */
    int pollLine(int max) {
        int length = partialLength;
        boolean tooLong = partialTooLong;
        while (position < limit) {
            int start = position;
            int end = limit;
            int lf = -1;
            for (int i = start; i < end; i++) {
                if (buffer[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            int chunkEnd = lf >= 0 ? lf : end;
            int chunk = chunkEnd - start;
            // One extra byte is kept for a CR that belongs to the line ending.
            if (!tooLong && length + chunk <= max + 1) {
                if (length + chunk > line.length) {
                    byte[] grown = new byte[Math.max(line.length * 2, length + chunk)];
                    System.arraycopy(line, 0, grown, 0, length);
                    line = grown;
                }
                System.arraycopy(buffer, start, line, length, chunk);
                length += chunk;
            }
            else {
                tooLong = true;
            }
            position = lf >= 0 ? lf + 1 : end;
            if (lf >= 0) {
                partialLength = 0;
                partialTooLong = false;
                if (tooLong) {
                    return TOO_LONG;
                }
                if (length > 0 && line[length - 1] == '\r') {
                    length--;
                }
                return length > max ? TOO_LONG : length;
            }
        }
        partialLength = length;
        partialTooLong = tooLong;
        return MORE;
    }

    /** {@link #readData} saw a CR or LF that was not part of a CRLF. */
    static final int BARE_LINE_ENDING = 1;

    /** {@link #readData} saw a line longer than the limit it was given. */
    static final int LONG_LINE = 2;

    /**
     * Reads message data up to and including the {@code CRLF.CRLF} that ends it, removing dot-stuffing and
     * handing every other byte to {@code sink} unchanged. Only {@code CRLF.CRLF} ends the data: a bare LF or
     * CR, however followed by a dot, is content.
     *
     * @param maxLineLength the longest line (without CRLF) before {@link #LONG_LINE} is reported; 0 for none
     * @return {@link #BARE_LINE_ENDING} and {@link #LONG_LINE} flags for what was seen, or 0
     * @throws EOFException when the client closes the connection before the end of data
     */
    int readData(DataSink sink, int maxLineLength) throws IOException {
        startData(sink, maxLineLength);
        while (true) {
            int flags = pollData();
            if (flags != MORE) {
                return flags;
            }
            if (!fill()) {
                dataSink = null;
                throw new EOFException("Connection closed in the middle of DATA");
            }
        }
    }

    /** Where {@link #pollData} puts the content; {@code null} outside DATA. */
    private DataSink dataSink;

    private int dataMaxLineLength;

    private int dataState;

    private int dataFlags;

    private long dataLineStart;

    /** Begins reading message data for {@link #pollData}, right after the CRLF of the DATA command. */
    void startData(DataSink sink, int maxLineLength) {
        growBuffer();
        dataSink = sink;
        dataMaxLineLength = maxLineLength;
        dataState = BOL;
        dataFlags = 0;
        dataLineStart = bytesRead - limit + position;
    }

    /**
     * {@link #readData} without waiting: hands the buffered content to the sink and returns the flags once
     * {@code CRLF.CRLF} was read, or {@link #MORE}.
     */
    int pollData() throws IOException {
        DataSink sink = dataSink;
        int maxLineLength = dataMaxLineLength;
        int state = dataState;
        int flags = dataFlags;
        long lineStart = dataLineStart;
        byte[] buf = buffer;
        int i = position;
        int end = limit;
        int runStart = i;
        long base = bytesRead - limit;
        while (i < end) {
            switch (state) {
                case MID -> {
                    byte b = 0;
                    while (i < end && (b = buf[i]) != '\r' && b != '\n') {
                        i++;
                    }
                    if (i < end) {
                        if (b == '\n') {
                            flags |= BARE_LINE_ENDING;
                        }
                        else {
                            state = CR;
                        }
                        i++;
                    }
                }
                case CR -> {
                    byte b = buf[i];
                    if (b == '\n') {
                        long lineFeed = base + i;
                        if (maxLineLength > 0 && lineFeed - 1 - lineStart > maxLineLength) {
                            flags |= LONG_LINE;
                        }
                        lineStart = lineFeed + 1;
                        state = BOL;
                        i++;
                    }
                    else {
                        flags |= BARE_LINE_ENDING;
                        if (b != '\r') {
                            state = MID;
                        }
                        i++;
                    }
                }
                case BOL -> {
                    if (buf[i] == '.') {
                        // The leading dot of a line is transparency (RFC 5321 4.5.2): never content.
                        sink.write(buf, runStart, i - runStart);
                        i++;
                        runStart = i;
                        state = DOT;
                    }
                    else {
                        state = MID;
                    }
                }
                case DOT -> {
                    if (buf[i] == '\r') {
                        // Hold the CR back: if LF follows, this was the end of data.
                        sink.write(buf, runStart, i - runStart);
                        i++;
                        runStart = i;
                        state = DOT_CR;
                    }
                    else {
                        state = MID;
                    }
                }
                case DOT_CR -> {
                    if (buf[i] == '\n') {
                        position = i + 1;
                        dataSink = null;
                        return flags;
                    }
                    sink.write(CR_BYTES, 0, 1);
                    state = CR;
                }
                default -> throw new IllegalStateException("DATA reader state " + state);
            }
        }
        if (maxLineLength > 0 && state != BOL && base + end - lineStart > maxLineLength + 1) {
            flags |= LONG_LINE;
        }
        sink.write(buf, runStart, i - runStart);
        position = end;
        dataState = state;
        dataFlags = flags;
        dataLineStart = lineStart;
        return MORE;
    }

    /** Takes the bytes read but not yet used, leaving none. */
    byte[] takeBuffered() {
        byte[] rest = java.util.Arrays.copyOfRange(buffer, position, limit);
        position = limit;
        return rest;
    }

    /**
     * Drops every byte read but not yet used: after STARTTLS, what the client sent before the handshake must
     * never be taken as a command (CVE-2011-0411).
     *
     * @return how many bytes were dropped
     */
    int discardBuffered() {
        int dropped = limit - position;
        position = limit;
        return dropped;
    }

    /** Switches to the full-size buffer for message data, keeping the bytes not consumed yet. */
    private void growBuffer() {
        if (buffer.length < bufferSize) {
            byte[] bigger = newBulkBuffer();
            int pending = limit - position;
            System.arraycopy(buffer, position, bigger, 0, pending);
            buffer = bigger;
            position = 0;
            limit = pending;
        }
    }

    private static final byte[] CR_BYTES = { '\r' };

    /** The bytes of the BDAT chunk being read that are still to come, and where they go. */
    private long chunkRemaining;

    private DataSink chunkSink;

    /** Begins reading a BDAT chunk of {@code count} bytes for {@link #pollChunk}, right after the command's CRLF. */
    void startChunk(long count, DataSink sink) {
        growBuffer();
        chunkRemaining = count;
        chunkSink = sink;
    }

    /** {@link #readChunk} without waiting: hands the buffered bytes of the chunk to its sink; true once it is in. */
    boolean pollChunk() throws IOException {
        while (chunkRemaining > 0 && position < limit) {
            int take = (int) Math.min(chunkRemaining, limit - position);
            chunkSink.write(buffer, position, take);
            position += take;
            chunkRemaining -= take;
        }
        if (chunkRemaining > 0) {
            return false;
        }
        chunkSink = null;
        return true;
    }

    /** Reads one byte, or -1 at end of stream; for the PROXY protocol header. */
    int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return buffer[position++] & 0xff;
    }

    /** Receives message bytes as they are read. */
    interface DataSink {
        void write(byte[] bytes, int offset, int length) throws IOException;
    }
}
