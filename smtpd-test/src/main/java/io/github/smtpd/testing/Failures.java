package io.github.smtpd.testing;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.smtpd.Reply;

/**
 * What the test server should do wrong, so that a sender's error paths can be tested against the replies and
 * disconnections a real server causes. Each rule holds until {@link #reset()} (called between tests), or for the
 * number of times given. Replies are written as a server would, e.g. {@code rejectRcpt("nobody@example.org",
 * "550 5.1.1 No such user")}.
 */
public final class Failures {

    private final List<Rule> rcpt = new CopyOnWriteArrayList<>();

    private volatile Rule mail;

    private volatile Rule data;

    private volatile Rule message;

    private final Map<String, Boolean> dropAt = new ConcurrentHashMap<>();

    private volatile Duration delay = Duration.ZERO;

    private final Runnable onRefuseConnections;

    private final Runnable onAcceptConnections;

    private volatile boolean refusing;

    Failures(Runnable onRefuseConnections, Runnable onAcceptConnections) {
        this.onRefuseConnections = onRefuseConnections;
        this.onAcceptConnections = onAcceptConnections;
    }

    /** Answers every RCPT to {@code address} ({@code null}: to any address) with {@code reply}. */
    public Failures rejectRcpt(String address, String reply) {
        return rejectRcpt(address, reply, -1);
    }

    /** Answers the next {@code times} RCPT to {@code address} ({@code null}: to any) with {@code reply}. */
    public Failures rejectRcpt(String address, String reply, int times) {
        rcpt.add(new Rule(address, reply(reply), times));
        return this;
    }

    /** Answers every MAIL FROM with {@code reply}. */
    public Failures rejectMail(String reply) {
        mail = new Rule(null, reply(reply), -1);
        return this;
    }

    /** Answers the DATA command itself with {@code reply}, before any content. */
    public Failures rejectData(String reply) {
        data = new Rule(null, reply(reply), -1);
        return this;
    }

    /** Answers the end of data (the {@code .}) with {@code reply}: the message is not captured. */
    public Failures rejectMessage(String reply) {
        return rejectMessage(reply, -1);
    }

    /** Answers the end of data of the next {@code times} messages with {@code reply}. */
    public Failures rejectMessage(String reply, int times) {
        message = new Rule(null, reply(reply), times);
        return this;
    }

    /** Greets every new connection with {@code 421} and closes it, as a server going down does. */
    public Failures greetWith421() {
        refusing = true;
        onRefuseConnections.run();
        return this;
    }

    /** Closes the connection instead of answering {@code verb} (e.g. {@code "DATA"}, {@code "RCPT"}). */
    public Failures dropConnectionAt(String verb) {
        dropAt.put(verb.toUpperCase(Locale.ROOT), Boolean.TRUE);
        return this;
    }

    /** Waits this long before answering each command: for a sender's timeouts. */
    public Failures delayReplies(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** Back to a well-behaved server. */
    public void reset() {
        rcpt.clear();
        mail = null;
        data = null;
        message = null;
        dropAt.clear();
        delay = Duration.ZERO;
        if (refusing) {
            refusing = false;
            onAcceptConnections.run();
        }
    }

    private static Reply reply(String reply) {
        Reply parsed = Reply.parse(reply);
        if (parsed.code() < 400) {
            throw new IllegalArgumentException("A failure is a 4xx or 5xx reply, not: " + reply);
        }
        return parsed;
    }

    Reply forRcpt(String address) {
        for (Rule rule : rcpt) {
            if ((rule.address == null || rule.address.equalsIgnoreCase(address)) && rule.take()) {
                return rule.reply;
            }
        }
        return null;
    }

    Reply forMail() {
        Rule rule = mail;
        return rule != null && rule.take() ? rule.reply : null;
    }

    Reply forDataCommand() {
        Rule rule = data;
        return rule != null && rule.take() ? rule.reply : null;
    }

    Reply forMessage() {
        Rule rule = message;
        return rule != null && rule.take() ? rule.reply : null;
    }

    boolean dropsAt(String verb) {
        return dropAt.containsKey(verb);
    }

    Duration delay() {
        return delay;
    }

    /** A reply for matching commands, a number of times or for ever ({@code -1}). */
    private static final class Rule {

        private final String address;

        private final Reply reply;

        private final AtomicInteger remaining;

        Rule(String address, Reply reply, int times) {
            if (times == 0 || times < -1) {
                throw new IllegalArgumentException("times must be positive, or -1 for every time");
            }
            this.address = address;
            this.reply = reply;
            this.remaining = new AtomicInteger(times);
        }

        boolean take() {
            while (true) {
                int left = remaining.get();
                if (left == -1) {
                    return true;
                }
                if (left == 0) {
                    return false;
                }
                if (remaining.compareAndSet(left, left - 1)) {
                    return true;
                }
            }
        }
    }
}
