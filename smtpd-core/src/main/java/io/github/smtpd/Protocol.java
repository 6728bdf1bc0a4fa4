package io.github.smtpd;

/** The protocol a server speaks: SMTP (RFC 5321) or LMTP (RFC 2033, LHLO and one reply per recipient). */
public enum Protocol {
    SMTP,
    LMTP
}
