package io.github.smtpd;

/**
 * SMTP (RFC 5321) or LMTP (RFC 2033: LHLO, and one reply per recipient after the data): what the server speaks
 * ({@code SmtpServer.Builder.protocol}) and what the relay client speaks to an upstream
 * ({@code UpstreamOptions.Builder.protocol}; SMTP greets with EHLO and falls back to HELO).
 */
public enum Protocol {
    SMTP,
    LMTP
}
