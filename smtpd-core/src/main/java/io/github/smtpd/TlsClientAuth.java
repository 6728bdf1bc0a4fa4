package io.github.smtpd;

/** Whether TLS clients are asked for a certificate. */
public enum TlsClientAuth {
    /** No client certificate is requested (the default, as for public mail servers). */
    NONE,
    /** A client certificate is requested but not required. */
    WANT,
    /** A client certificate is required; the handshake fails without one. */
    NEED
}
