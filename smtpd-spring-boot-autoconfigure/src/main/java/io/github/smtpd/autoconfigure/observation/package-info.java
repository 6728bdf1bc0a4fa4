/**
 * The per-message Micrometer observation {@code smtpd.messages}: a timer with metrics, a span with tracing.
 */
package io.github.smtpd.autoconfigure.observation;
