package io.github.smtpd.autoconfigure;

import java.util.concurrent.atomic.AtomicBoolean;

import io.github.smtpd.Message;
import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the default mode does when the application defines no {@link MessageProcessor}: accept and discard.
 *
 * <p>Python smtpd raised {@code NotImplementedError} here, which made every client retry forever. Accepting
 * lets a freshly generated application receive mail at once (a sink for tests), and the warning, logged on
 * the first message rather than on every one, tells the developer where their mail went.
 */
final class DiscardingMessageProcessor implements MessageProcessor {

    private static final Logger logger = LoggerFactory.getLogger(DiscardingMessageProcessor.class);

    private final AtomicBoolean warned = new AtomicBoolean();

    @Override
    public Reply process(Message message) {
        if (warned.compareAndSet(false, true)) {
            logger.warn("No MessageProcessor bean is defined and smtpd.mode is 'default': message {} was accepted "
                    + "and discarded, as every message will be. Define a MessageProcessor bean to receive messages, "
                    + "or choose another smtpd.mode.", message.id());
        }
        return null;
    }

    @Override
    public String toString() {
        return "DiscardingMessageProcessor";
    }
}
