package io.github.smtpd.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.Message;
import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;

/** Keeps a copy of every message it receives, for assertions. */
public final class RecordingProcessor implements MessageProcessor {

    private final LinkedBlockingQueue<Received> queue = new LinkedBlockingQueue<>();

    private final List<Received> all = new CopyOnWriteArrayList<>();

    private volatile Reply reply;

    /** A message as it was seen during processing, content copied. */
    public record Received(Message message, byte[] content) {
        public String text() {
            return new String(content, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    public RecordingProcessor replyWith(Reply reply) {
        this.reply = reply;
        return this;
    }

    @Override
    public Reply process(Message message) {
        Received received = new Received(message, message.content());
        all.add(received);
        queue.add(received);
        return reply;
    }

    public Received next() throws InterruptedException {
        Received received = queue.poll(10, TimeUnit.SECONDS);
        if (received == null) {
            throw new AssertionError("No message was processed within 10 seconds");
        }
        return received;
    }

    public List<Received> all() {
        return all;
    }
}
