package io.github.smtpd;

/**
 * What the server does with a bare CR or a bare LF (one not part of CRLF) in message data. Either way, only
 * {@code CRLF.CRLF} ends the data, so neither can end a message early or start a second one here.
 */
public enum LineEndingPolicy {

    /** Keep the bytes unchanged and accept the message: content stays byte-exact (the default). */
    ALLOW,

    /**
     * Refuse the message with {@code 550 5.6.0} after the end of data: for gateways in front of servers that
     * might treat a bare LF as a line ending (the SMTP smuggling class of attacks).
     */
    REJECT
}
