package io.github.smtpd.internal;

import io.github.smtpd.Reply;

/** Replies the server sends from more than one place; the relay modes and client share {@link #localError()}. */
public final class Replies {

    private Replies() {
    }

    // The replies of every transaction, made once: a Reply checks its code and text when it is built.

    static final Reply SENDER_OK = Reply.of(250, "2.1.0", "OK");

    static final Reply RECIPIENT_OK = Reply.of(250, "2.1.5", "OK");

    static final Reply START_DATA = Reply.of(354, "End data with <CR><LF>.<CR><LF>");

    static final Reply OK = Reply.of(250, "2.0.0", "OK");

    static Reply shuttingDown(String hostName) {
        return Reply.of(421, "4.3.2", hostName + " Service not available, closing transmission channel");
    }

    public static Reply localError() {
        return Reply.of(451, "4.3.0", "Requested action aborted: local error in processing");
    }

    /** The spool could not take a message (disk full, directory gone): the client keeps it and retries. */
    public static Reply noStorage() {
        return Reply.of(452, "4.3.1", "Insufficient system storage");
    }

    /** Whether client text is safe to keep: printable, no control characters, valid UTF-8. */
    static boolean isPrintable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\uFFFD') {
                return false;
            }
        }
        return true;
    }
}
