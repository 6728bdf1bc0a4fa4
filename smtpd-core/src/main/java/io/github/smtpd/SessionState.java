package io.github.smtpd;

/** smtpd's {@code smtp_state}: whether the session reads commands or message data. */
public enum SessionState {
    COMMAND,
    DATA
}
