package io.github.smtpd.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The transaction state of one session, as plain data: the envelope from MAIL and RCPT, and the BDAT chunks
 * received so far. Written only on the session's thread; {@link #mailFrom} and the snapshots may be read from
 * another (the {@code SmtpSession} getters serve the actuator endpoint's thread).
 */
final class Envelope {

    /** The reverse path, or {@code null} outside a transaction; volatile for readers on other threads. */
    volatile String mailFrom;

    /** Guarded by itself for writes and for snapshots; the session thread reads it without the lock. */
    private final List<String> rcptTos = new ArrayList<>();

    List<String> mailOptions = List.of();

    /** Guarded by {@link #rcptTos}, like it. */
    private final List<String> rcptOptions = new ArrayList<>();

    final List<List<String>> perRecipientOptions = new ArrayList<>();

    /** The message being received in BDAT chunks, or {@code null}. */
    ContentBuffer chunks;

    /** What watches those chunks' line ends and lengths, when the server checks them; else {@code null}. */
    LineCheck chunkLines;

    /** Whether this transaction used BDAT, after which DATA is out of sequence (RFC 3030 2). */
    boolean chunking;

    boolean binaryMime;

    boolean requireSmtpUtf8;

    /** The accepted recipients, live: for the session's own thread only. */
    List<String> rcptTos() {
        return rcptTos;
    }

    /** The RCPT parameters of all recipients, live: for the session's own thread only. */
    List<String> rcptOptions() {
        return rcptOptions;
    }

    void addRecipient(String address, List<String> options) {
        synchronized (rcptTos) {
            rcptTos.add(address);
            rcptOptions.addAll(options);
        }
        perRecipientOptions.add(options);
    }

    /** A copy of the recipients that any thread may take. */
    List<String> rcptTosSnapshot() {
        synchronized (rcptTos) {
            return Collections.unmodifiableList(new ArrayList<>(rcptTos));
        }
    }

    /** A copy of the RCPT parameters that any thread may take. */
    List<String> rcptOptionsSnapshot() {
        synchronized (rcptTos) {
            return List.copyOf(rcptOptions);
        }
    }

    /**
     * Empties the envelope and releases any BDAT chunks.
     *
     * @return whether there was a transaction
     */
    boolean reset() {
        boolean hadTransaction = mailFrom != null;
        mailFrom = null;
        synchronized (rcptTos) {
            rcptTos.clear();
            rcptOptions.clear();
        }
        mailOptions = List.of();
        perRecipientOptions.clear();
        requireSmtpUtf8 = false;
        binaryMime = false;
        chunking = false;
        ContentBuffer dropped = takeChunks();
        if (dropped != null) {
            dropped.release();
        }
        return hadTransaction;
    }

    /** The BDAT chunks received so far, now the caller's (to process or release), or {@code null}. */
    ContentBuffer takeChunks() {
        ContentBuffer taken = chunks;
        chunks = null;
        chunkLines = null;
        return taken;
    }
}
