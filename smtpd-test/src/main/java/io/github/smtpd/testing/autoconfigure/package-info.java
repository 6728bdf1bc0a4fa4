/**
 * Spring Boot test support: {@link io.github.smtpd.testing.autoconfigure.AutoConfigureSmtpd}.
 */
package io.github.smtpd.testing.autoconfigure;
