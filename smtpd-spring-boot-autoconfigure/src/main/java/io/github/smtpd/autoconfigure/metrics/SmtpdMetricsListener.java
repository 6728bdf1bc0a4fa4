package io.github.smtpd.autoconfigure.metrics;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.autoconfigure.MessageOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter.MeterProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;

/**
 * Turns the server's events into meters. Tags take values from fixed sets only (outcome words, built-in verbs, reply
 * classes, rejection reasons): never an address, a peer or a message id, which would make a time series per client.
 * <ul>
 * <li>{@code smtpd.sessions} (timer, {@code outcome}): how long greeted sessions lasted and how they ended;</li>
 * <li>{@code smtpd.commands} (counter, {@code command}, {@code reply.class});</li>
 * <li>{@code smtpd.messages.size} (distribution, bytes) and {@code smtpd.messages.recipients} (distribution): every
 * message that reached the end of DATA;</li>
 * <li>{@code smtpd.relay} (timer, {@code outcome}): in proxy and mailman modes, the time from the end of DATA to the
 * upstream's answer. The relay modes have no hook of their own, so this is the handler's processing time of each
 * message, which in those modes is the upstream leg;</li>
 * <li>{@code smtpd.tls.handshakes} (counter, {@code outcome} {@code success} or {@code failure});</li>
 * <li>{@code smtpd.messages.refused} (counter, {@code reply.class}): messages refused at the end of DATA before any
 * processor saw them (too large, a line too long, bare line endings under the reject policy);</li>
 * <li>{@code smtpd.auth.limited} (counter): AUTH refused with 454 because the client address failed too often
 * lately, across its connections ({@code smtpd.auth.max-failures-per-client});</li>
 * <li>{@code smtpd.connections.rejected} (counter, {@code reason}): connections refused before a session started,
 * with the server's fixed reason words ({@code paused}, {@code max-sessions}, {@code per-client}, ...).</li>
 * </ul>
 * The message timer itself, {@code smtpd.messages}, comes from the observation, so that it and the span agree.
 */
public class SmtpdMetricsListener implements SmtpServerListener {

    private final MeterProvider<Timer> sessions;

    private final MeterProvider<Counter> commands;

    /** Reply codes are 2xx to 5xx (RFC 5321 4.2); the array is indexed by the first digit. */
    private static final int REPLY_CLASSES = 6;

    private final Map<String, Counter[]> commandCounters = new ConcurrentHashMap<>();

    private final DistributionSummary messageSize;

    private final DistributionSummary messageRecipients;

    private final MeterProvider<Timer> relay;

    private final MeterProvider<Counter> tlsHandshakes;

    private final MeterProvider<Counter> connectionsRejected;

    private final MeterProvider<Counter> messagesRefused;

    private final Counter authLimited;

    /**
     * @param relayMode whether the server relays (proxy or mailman mode), and so records {@code smtpd.relay}
     */
    public SmtpdMetricsListener(MeterRegistry registry, boolean relayMode) {
        sessions = Timer.builder("smtpd.sessions").description("SMTP sessions, from connection to close")
            .withRegistry(registry);
        commands = Counter.builder("smtpd.commands").description("SMTP commands answered").withRegistry(registry);
        messageSize = DistributionSummary.builder("smtpd.messages.size")
            .description("Size of the messages received")
            .baseUnit(BaseUnits.BYTES)
            .register(registry);
        messageRecipients = DistributionSummary.builder("smtpd.messages.recipients")
            .description("Recipients per message received")
            .register(registry);
        relay = relayMode ? Timer.builder("smtpd.relay")
            .description("Time from the end of DATA to the upstream's answer")
            .withRegistry(registry) : null;
        tlsHandshakes = Counter.builder("smtpd.tls.handshakes").description("TLS handshakes, STARTTLS or implicit")
            .withRegistry(registry);
        connectionsRejected = Counter.builder("smtpd.connections.rejected")
            .description("Connections refused before a session started")
            .withRegistry(registry);
        authLimited = Counter.builder("smtpd.auth.limited")
            .description("AUTH refused because the client address failed too often lately")
            .register(registry);
        messagesRefused = Counter.builder("smtpd.messages.refused")
            .description("Messages refused at the end of DATA before any processor saw them")
            .withRegistry(registry);
    }

    @Override
    public void sessionClosed(SmtpSession session) {
        String outcome = session.outcome() != null ? session.outcome() : "unknown";
        sessions.withTag("outcome", outcome).record(Duration.between(session.since(), Instant.now()));
    }

    @Override
    public void commandCompleted(SmtpSession session, String verb, Reply reply) {
        commandCounter(CommandTags.command(verb), reply.code() / 100).increment();
    }

    /**
     * The counter of a command and reply class, found once: a registry look-up builds and hashes the meter's id,
     * and every command of every session comes here, on the event loop.
     */
    private Counter commandCounter(String command, int replyClass) {
        Counter[] byClass = commandCounters.computeIfAbsent(command, (key) -> new Counter[REPLY_CLASSES]);
        int index = (replyClass >= 0 && replyClass < REPLY_CLASSES) ? replyClass : 0;
        Counter counter = byClass[index];
        if (counter == null) {
            // Two threads may both look it up; the registry gives both the same counter.
            counter = commands.withTags("command", command, "reply.class", replyClass + "xx");
            byClass[index] = counter;
        }
        return counter;
    }

    @Override
    public void messageCompleted(SmtpSession session, Message message, Reply reply, Duration processingTime) {
        messageSize.record(message.size());
        messageRecipients.record(message.rcptTos().size());
        if (relay != null) {
            relay.withTag("outcome", MessageOutcome.of(reply).tagValue()).record(processingTime);
        }
    }

    @Override
    public void messageRefused(SmtpSession session, long size, Reply reply) {
        messagesRefused.withTag("reply.class", CommandTags.replyClass(reply)).increment();
    }

    @Override
    public void tlsHandshake(SmtpSession session, boolean success) {
        tlsHandshakes.withTag("outcome", success ? "success" : "failure").increment();
    }

    @Override
    public void authRateLimited(SmtpSession session) {
        authLimited.increment();
    }

    @Override
    public void connectionRejected(InetSocketAddress peer, String reason) {
        connectionsRejected.withTag("reason", reason).increment();
    }
}
