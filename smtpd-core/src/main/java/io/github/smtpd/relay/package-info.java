/**
 * The client side of relaying: {@link io.github.smtpd.relay.UpstreamClient} speaks SMTP or LMTP to an upstream
 * described by {@link io.github.smtpd.relay.UpstreamOptions} (addresses tried in order, STARTTLS per
 * {@link io.github.smtpd.relay.StartTls}, AUTH PLAIN/LOGIN, timeouts on every read and write, an optional deadline
 * for a whole connection). Connection failures surface as {@link io.github.smtpd.relay.UpstreamException} carrying
 * the 4xx reply a client should get.
 */
package io.github.smtpd.relay;
