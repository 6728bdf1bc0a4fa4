package io.github.smtpd.relay;

import java.io.IOException;
import java.util.List;

import io.github.smtpd.Reply;

/**
 * What one exchange with the upstream got: the replies read, in order, and the failure that cut it short, if any.
 * Replies read before a failure still count: a sender refused just before the upstream hung up stays a refusal.
 */
record Exchanged(List<Reply> replies, IOException failure) {

    /** Whether all {@code expected} replies came. */
    boolean complete(int expected) {
        return failure == null && replies.size() >= expected;
    }
}
