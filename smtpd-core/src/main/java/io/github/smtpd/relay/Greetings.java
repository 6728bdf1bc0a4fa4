package io.github.smtpd.relay;

import io.github.smtpd.Reply;

/**
 * What an upstream said while a connection to it was set up: its greeting, and its answer to the last EHLO,
 * HELO or LHLO (after an EHLO refused with 5xx, HELO's; after STARTTLS, the second). Either is {@code null} until it
 * came. Kept as they came, 4xx and 5xx (and 421) included, so that a health check can show why an upstream was
 * not used.
 *
 * @param greeting the upstream's greeting, normally 220
 * @param hello its answer to the hello, normally 250
 */
public record Greetings(Reply greeting, Reply hello) {
}
