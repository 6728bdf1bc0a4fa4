/**
 * The ready-made servers of Python's smtpd, as {@link io.github.smtpd.SmtpHandler}s and
 * {@link io.github.smtpd.MessageProcessor}s to plug into an {@link io.github.smtpd.SmtpServer}:
 * <ul>
 * <li>{@link io.github.smtpd.mode.DebuggingMode}: smtpd's DebuggingServer, printing each message in its exact
 * format and keeping the last ones ({@link io.github.smtpd.mode.CapturedMessage}) for an endpoint;</li>
 * <li>{@link io.github.smtpd.mode.ProxyMode} with {@link io.github.smtpd.mode.ProxyOptions}: smtpd's PureProxy as
 * a before-queue relay that never answers 250 before the upstream did, and relays only for trusted networks;</li>
 * <li>{@link io.github.smtpd.mode.MailmanMode} with {@link io.github.smtpd.mode.MailmanOptions}: smtpd's
 * MailmanProxy for Mailman 3, list addresses over LMTP and the rest relayed.</li>
 * </ul>
 * Every option is a plain value (host:port and CIDR strings, durations, booleans), so a configuration file can
 * describe each mode.
 */
package io.github.smtpd.mode;
