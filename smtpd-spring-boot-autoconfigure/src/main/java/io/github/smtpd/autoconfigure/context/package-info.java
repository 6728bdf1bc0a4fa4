/**
 * The SMTP server in the application context's lifecycle: start, graceful stop, the initialized event and the
 * {@code local.smtpd.port} property.
 */
package io.github.smtpd.autoconfigure.context;
