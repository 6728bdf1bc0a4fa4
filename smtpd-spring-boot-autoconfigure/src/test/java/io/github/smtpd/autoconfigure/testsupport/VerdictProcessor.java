package io.github.smtpd.autoconfigure.testsupport;

import io.github.smtpd.Message;
import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;

/**
 * Answers by the first recipient's local part, so one test can produce every outcome with a real client:
 * {@code reject@} gets 550, {@code defer@} gets 451, {@code boom@} makes the processor throw, anything else 250.
 */
public final class VerdictProcessor implements MessageProcessor {

    @Override
    public Reply process(Message message) {
        String to = message.rcptTos().get(0);
        if (to.startsWith("reject@")) {
            return Reply.of(550, "5.7.1", "Rejected by the test");
        }
        if (to.startsWith("defer@")) {
            return Reply.of(451, "4.7.1", "Deferred by the test");
        }
        if (to.startsWith("boom@")) {
            throw new IllegalStateException("The test's processor failed");
        }
        return null;
    }
}
