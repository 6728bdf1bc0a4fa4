package io.github.smtpd.relay;

/** Whether the relay client encrypts its connection to the upstream with STARTTLS (RFC 3207). */
public enum StartTls {

    /** Never: for a local LMTP socket such as Mailman's, where TLS buys nothing. */
    DISABLED,

    /**
     * When the upstream offers it, without checking its certificate (RFC 7435 opportunistic security: an
     * unchecked TLS session still beats clear text). A failed handshake falls back to clear text.
     */
    OPPORTUNISTIC,

    /**
     * Always: an upstream that does not offer STARTTLS, or whose certificate does not check out against the
     * trust store and the configured host name, is not used.
     */
    REQUIRED
}
