package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.autoconfigure.MessageOutcome;
import io.github.smtpd.autoconfigure.context.SmtpServerInitializedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Running totals for the {@code smtpd} endpoint, kept from the server's events: they need no metrics library, so
 * the endpoint shows them in an application without Micrometer too. Counters are {@link LongAdder}s because every
 * session thread adds to them. The start time comes from {@link SmtpServerInitializedEvent}, the moment the server
 * listens.
 */
public class SmtpdStatistics implements SmtpServerListener, ApplicationListener<SmtpServerInitializedEvent> {

    private final Clock clock;

    private final LongAdder sessions = new LongAdder();

    private final LongAdder connectionsRejected = new LongAdder();

    private final LongAdder accepted = new LongAdder();

    private final LongAdder rejected = new LongAdder();

    private final LongAdder failed = new LongAdder();

    private final LongAdder messageBytes = new LongAdder();

    private final LongAdder closedSessionBytes = new LongAdder();

    private volatile Instant startedAt;

    public SmtpdStatistics() {
        this(Clock.systemUTC());
    }

    SmtpdStatistics(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void onApplicationEvent(SmtpServerInitializedEvent event) {
        startedAt = clock.instant();
    }

    @Override
    public void sessionOpened(SmtpSession session) {
        sessions.increment();
    }

    @Override
    public void sessionClosed(SmtpSession session) {
        closedSessionBytes.add(session.bytesIn());
    }

    @Override
    public void messageCompleted(SmtpSession session, Message message, Reply reply, Duration processingTime) {
        messageBytes.add(message.size());
        switch (MessageOutcome.of(message, reply)) {
            case ACCEPTED -> accepted.increment();
            case REJECTED -> rejected.increment();
            case FAILED -> failed.increment();
        }
    }

    @Override
    public void messageRefused(SmtpSession session, long size, Reply reply) {
        // Refused before processing (too large, bad line endings…): still a message the client sent.
        switch (MessageOutcome.of(reply)) {
            case ACCEPTED, REJECTED -> rejected.increment();
            case FAILED -> failed.increment();
        }
    }

    @Override
    public void connectionRejected(InetSocketAddress peer, String reason) {
        connectionsRejected.increment();
    }

    /** When the server last started listening, or {@code null} before it did. */
    public Instant startedAt() {
        return startedAt;
    }

    /** How long the server has been listening; zero before it started. */
    public Duration uptime() {
        Instant started = startedAt;
        return started != null ? Duration.between(started, clock.instant()) : Duration.ZERO;
    }

    /** Sessions greeted since start-up. */
    public long sessions() {
        return sessions.sum();
    }

    /** Connections turned away before a session started: paused, too many sessions, untrusted proxy and so on. */
    public long connectionsRejected() {
        return connectionsRejected.sum();
    }

    public long messagesAccepted() {
        return accepted.sum();
    }

    public long messagesRejected() {
        return rejected.sum();
    }

    public long messagesFailed() {
        return failed.sum();
    }

    /** Bytes of message content that reached the end of DATA, whatever the outcome. */
    public long messageBytes() {
        return messageBytes.sum();
    }

    /** Bytes read from clients by sessions that have ended; add the running sessions' for a total. */
    public long closedSessionBytes() {
        return closedSessionBytes.sum();
    }
}
