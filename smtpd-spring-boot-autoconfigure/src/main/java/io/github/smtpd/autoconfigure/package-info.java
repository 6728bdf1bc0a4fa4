/**
 * Auto-configuration of the SMTP server: the {@code smtpd.*} properties, the message processor chain and the
 * customizer hook.
 */
package io.github.smtpd.autoconfigure;
