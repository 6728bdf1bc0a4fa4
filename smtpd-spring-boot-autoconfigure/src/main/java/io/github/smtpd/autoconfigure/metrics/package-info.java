/**
 * Micrometer meters for the SMTP server ({@code smtpd.*}), from its listener events.
 */
package io.github.smtpd.autoconfigure.metrics;
