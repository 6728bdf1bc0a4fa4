package io.github.smtpd.mode;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.github.smtpd.Message;
import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;
import io.github.smtpd.internal.IpText;

/**
 * smtpd's {@code DebuggingServer}: prints every message in smtpd's exact format and accepts it. The output goes
 * to a {@link PrintStream} (standard output by default), not to a logger, so it can be piped as smtpd's could.
 * The last {@link #capacity()} messages are also kept in memory, for an endpoint to list.
 *
 * <pre>{@code
 * DebuggingMode debugging = DebuggingMode.builder().capacity(50).build();
 * SmtpServer server = SmtpServer.builder().messageProcessor(debugging).build();
 * }</pre>
 */
public final class DebuggingMode implements MessageProcessor {

    /** Messages kept by default. */
    public static final int DEFAULT_CAPACITY = 100;

    /** Bytes of each message kept by default; the rest is printed but not kept. */
    public static final int DEFAULT_MAX_CONTENT_BYTES = 1024 * 1024;

    private final PrintStream output;

    private final int capacity;

    private final int maxContentBytes;

    private final Deque<CapturedMessage> recent = new ArrayDeque<>();

    private DebuggingMode(Builder builder) {
        this.output = builder.output != null ? builder.output : System.out;
        this.capacity = builder.capacity;
        this.maxContentBytes = builder.maxContentBytes;
    }

    /** A debugging mode printing to standard output and keeping the last 100 messages. */
    public DebuggingMode() {
        this(new Builder());
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Reply process(Message message) throws IOException {
        byte[] content;
        try (InputStream in = message.openContent()) {
            content = in.readAllBytes();
        }
        byte[] printed = SmtpdFormat.format(message, content);
        // One write per message, so that messages of concurrent sessions never interleave.
        synchronized (output) {
            output.write(printed, 0, printed.length);
            output.flush();
        }
        keep(message, content);
        return null;
    }

    private void keep(Message message, byte[] content) {
        if (capacity == 0) {
            return;
        }
        boolean truncated = content.length > maxContentBytes;
        byte[] kept = truncated ? java.util.Arrays.copyOf(content, maxContentBytes) : content;
        CapturedMessage captured = new CapturedMessage(message.id(),
                message.peer() != null ? IpText.of(message.peer().getAddress()) : null, message.mailFrom(),
                message.rcptTos(), Headers.field(content, "Subject"), content.length, message.receivedAt(),
                truncated, kept);
        synchronized (recent) {
            recent.addFirst(captured);
            while (recent.size() > capacity) {
                recent.removeLast();
            }
        }
    }

    /** The messages kept, newest first. */
    public List<CapturedMessage> messages() {
        synchronized (recent) {
            return Collections.unmodifiableList(new ArrayList<>(recent));
        }
    }

    /** A kept message by its id. */
    public Optional<CapturedMessage> message(String id) {
        synchronized (recent) {
            return recent.stream().filter(m -> m.id().equals(id)).findFirst();
        }
    }

    /** Forgets the kept messages. */
    public void clear() {
        synchronized (recent) {
            recent.clear();
        }
    }

    /** How many messages are kept at most. */
    public int capacity() {
        return capacity;
    }

    /** Builds a {@link DebuggingMode}. */
    public static final class Builder {

        private PrintStream output;

        private int capacity = DEFAULT_CAPACITY;

        private int maxContentBytes = DEFAULT_MAX_CONTENT_BYTES;

        private Builder() {
        }

        /** Where messages are printed; default {@code System.out}. */
        public Builder output(PrintStream output) {
            this.output = Objects.requireNonNull(output, "output");
            return this;
        }

        /** How many messages to keep in memory; 0 keeps none. Default 100. */
        public Builder capacity(int capacity) {
            if (capacity < 0) {
                throw new IllegalArgumentException("capacity must be 0 or positive, was " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        /** How many bytes of each message to keep, so memory stays bounded; default 1 MiB. */
        public Builder maxContentBytes(int maxContentBytes) {
            if (maxContentBytes < 0) {
                throw new IllegalArgumentException("maxContentBytes must be 0 or positive, was " + maxContentBytes);
            }
            this.maxContentBytes = maxContentBytes;
            return this;
        }

        public DebuggingMode build() {
            return new DebuggingMode(this);
        }
    }
}
