package io.github.smtpd.autoconfigure;

import java.util.List;

import io.github.smtpd.Message;
import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;

/**
 * Calls several processors in order, the way the application's {@link MessageProcessor} beans are called:
 * the first one that returns a reply ends the chain and that reply is sent; when all return {@code null}
 * the client gets {@code 250 OK}. An exception ends the chain too, and the server answers {@code 451}, so a
 * message is never acknowledged after a processor failed on it.
 */
public final class MessageProcessorChain implements MessageProcessor {

    private final List<MessageProcessor> processors;

    public MessageProcessorChain(List<? extends MessageProcessor> processors) {
        if (processors.isEmpty()) {
            throw new IllegalArgumentException("A chain needs at least one processor");
        }
        this.processors = List.copyOf(processors);
    }

    @Override
    public Reply process(Message message) throws Exception {
        for (MessageProcessor processor : processors) {
            Reply reply = processor.process(message);
            if (reply != null) {
                return reply;
            }
        }
        return null;
    }

    /** The processors, in the order they are called. */
    public List<MessageProcessor> processors() {
        return processors;
    }

    @Override
    public String toString() {
        return "MessageProcessorChain" + processors;
    }
}
