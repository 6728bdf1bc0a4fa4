package io.github.smtpd.internal;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

import io.github.smtpd.Reply;
import io.github.smtpd.SessionState;
import io.github.smtpd.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server's watchdog, its acceptor and its stop ask of one session, from their own threads: whether it
 * kept the server waiting too long (idle, in its data, in a TLS handshake, or not reading its replies), how long
 * it has stalled (for shedding at capacity), and ending its wait with a 421 that the session's own thread says.
 */
final class SessionTimeouts {

    /** The session's log category, as before the session was split. */
    private static final Logger logger = LoggerFactory.getLogger(Session.class);

    private final Session session;

    private final ServerSettings settings;

    private final SmtpInput input;

    private final SessionOutput output;

    /** The accepted connection, under any TLS layer: what other threads shut down. */
    private final Socket rawSocket;

    /** How long the client may keep us waiting now: the idle timeout between commands, longer in DATA. */
    private volatile long timeoutNanos;

    /** When a TLS handshake began ({@link System#nanoTime()}), or 0 when none is in progress. */
    private volatile long handshakeSince;

    /** Set by another thread (watchdog, shutdown) that ended the session's wait: the reply to say goodbye with. */
    private volatile Reply closeReason;

    SessionTimeouts(Session session, ServerSettings settings, SmtpInput input, SessionOutput output, Socket rawSocket) {
        this.session = session;
        this.settings = settings;
        this.input = input;
        this.output = output;
        this.rawSocket = rawSocket;
    }

    /** The timeout of what the session reads next: a command line, or a message's data (with the data rate). */
    void setTimeout(Duration timeout) {
        timeoutNanos = timeout.toNanos();
        input.endRecord();
    }

    void handshakeStarted() {
        handshakeSince = System.nanoTime() | 1;
    }

    void handshakeEnded() {
        handshakeSince = 0;
    }

    /** The reply another thread asked the session to end with, or {@code null}. */
    Reply closeReason() {
        return closeReason;
    }

    /**
     * Called by the server's watchdog: a client that has kept this session waiting longer than allowed gets
     * {@code 421} and is disconnected, which ends the blocked read. Time spent processing never counts. Two
     * clocks run while the session waits: silence, which every byte resets, and the deadline of the record it
     * reads (a command line, a message's data, a BDAT chunk), which bytes do not reset: inside DATA and BDAT it
     * grows by one second for every {@code minDataRate} bytes received (Postfix's smtpd_per_record_deadline and
     * smtpd_min_data_rate). Under stress both use the shorter stress timeout.
     *
     * @param stressed whether the server is near its session limit
     */
    void expireIfIdle(long now, boolean stressed) {
        if (output.isClosed()) {
            return;
        }
        long timeout = stressed ? Math.min(timeoutNanos, settings.stressTimeout().toNanos()) : timeoutNanos;
        long handshake = handshakeSince;
        long waiting = input.waitingNanos(now);
        if (closeReason == null && handshake != 0 && now - handshake > timeout) {
            // No reply can go out in the middle of a handshake: the connection is closed.
            session.ended("timeout");
            logger.debug("Session {} with {} did not finish its TLS handshake in time", session.id(), session.peer());
            session.hardClose();
        }
        else if (closeReason == null && waiting > 0
                && (waiting > timeout || input.recordNanos(now) > timeout + dataCredit())) {
            session.ended("timeout");
            logger.debug("Session {} with {} timed out", session.id(), session.peer());
            interrupt(Reply.of(421, "4.4.2", settings.hostName() + " Error: timeout exceeded"));
        }
        else if (output.channel().pendingNanos(now) > timeout) {
            // The client stopped reading: no reply can reach it, so the connection is just closed. Also when it
            // is closing (a 421 that it does not take): its slot must come free.
            session.ended("timeout");
            logger.debug("Session {} with {} stopped reading its replies", session.id(), session.peer());
            session.hardClose();
        }
    }

    /** The time that the data received in the current record has earned, in nanoseconds. */
    private long dataCredit() {
        int rate = settings.minDataRate();
        if (session.state() != SessionState.DATA || rate <= 0) {
            return 0;
        }
        long bytes = input.recordBytes();
        return bytes >= Long.MAX_VALUE / 1_000_000_000L ? Long.MAX_VALUE / 2 : bytes * 1_000_000_000L / rate;
    }

    /**
     * How long this session has been stalled on its client, for shedding at capacity: the time spent on its
     * current record beyond what its data earned; -1 when it cannot be shed (it is processing, writing, or closing).
     */
    long stalledNanos(long now) {
        if (output.isClosed() || closeReason != null) {
            return -1;
        }
        long handshake = handshakeSince;
        if (handshake != 0) {
            return now - handshake;
        }
        if (input.waitingNanos(now) == 0) {
            return -1;
        }
        return Math.max(0, input.recordNanos(now) - dataCredit());
    }

    /** Ends this session for a newcomer: the server is full and this session made the least progress. */
    void shed() {
        session.ended("shed");
        logger.info("Session {} with {} closed for a new client: the server is full and it made the least progress",
                session.id(), session.peer());
        interrupt(Reply.of(421, "4.7.0", settings.hostName()
                + " Error: too many connections, closing the one that made the least progress"));
    }

    /** Called when the server begins to stop: a session idle between transactions is closed at once. */
    void shutdownRequested() {
        if (session.waitingForCommand && !session.inTransaction() && !input.hasBuffered()) {
            forceClose();
        }
    }

    /**
     * Asks the session to end with 421 from another thread: a read in progress ends at once; a processor in
     * progress finishes and its reply is sent first, so no message is processed under a 421.
     */
    void forceClose() {
        interrupt(Replies.shuttingDown(settings.hostName()));
    }

    /**
     * Ends a session that is waiting for its client, from another thread, without writing on that thread: the
     * input is shut down, the blocked read returns, and the session thread itself sends {@code reply} and closes.
     * A write from here could block this thread, and closing a TLS socket from here waits for its write lock.
     */
    void interrupt(Reply reply) {
        if (closeReason == null) {
            closeReason = reply;
        }
        try {
            rawSocket.shutdownInput();
        }
        catch (IOException ex) {
            // Closed already.
        }
    }
}
