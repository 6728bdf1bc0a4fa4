/**
 * Health for the SMTP server ({@code smtpd}) and, in the relay modes, for the upstreams it sends to
 * ({@code smtpdUpstreams}).
 */
package io.github.smtpd.autoconfigure.actuate.health;
