package io.github.smtpd.mode;

import java.util.ArrayList;
import java.util.List;

import io.github.smtpd.Reply;

/**
 * Turns the upstream's replies after the data into the one reply the SMTP client gets. SMTP gives one reply,
 * passed on as it is. LMTP (RFC 2033 4.2) gives one per recipient, and the client gets 250 only when every
 * one of them was accepted. Otherwise the worst outcome wins: a temporary failure anywhere gives 4xx, so the
 * client retries rather than losing a recipient; only when all failures are permanent does it get 5xx. The
 * lines after the first tell each recipient's own reply.
 */
final class RecipientReplies {

    private RecipientReplies() {
    }

    static Reply combine(List<String> recipients, List<Reply> replies) {
        if (replies.size() == 1) {
            return replies.get(0);
        }
        Reply transientFailure = null;
        Reply permanentFailure = null;
        for (Reply reply : replies) {
            if (reply.isTransientFailure() && transientFailure == null) {
                transientFailure = reply;
            }
            if (reply.isPermanentFailure() && permanentFailure == null) {
                permanentFailure = reply;
            }
        }
        if (transientFailure == null && permanentFailure == null) {
            return Reply.of(250, "2.0.0", "OK: delivered to all " + replies.size() + " recipients");
        }
        Reply worst = transientFailure != null ? transientFailure : permanentFailure;
        List<String> lines = new ArrayList<>();
        lines.add(transientFailure != null
                ? "Not delivered to every recipient, try again later"
                : "Not delivered to every recipient");
        for (int i = 0; i < replies.size(); i++) {
            String recipient = i < recipients.size() ? recipients.get(i) : "?";
            lines.add("<" + recipient + ">: " + replies.get(i).code() + " " + replies.get(i).text());
        }
        return Reply.multiline(worst.code(), lines).withEnhancedCode(worst.enhancedCode());
    }
}
