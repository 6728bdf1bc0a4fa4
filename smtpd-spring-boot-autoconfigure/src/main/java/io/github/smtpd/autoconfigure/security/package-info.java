/**
 * SMTP AUTH backed by Spring Security, when the application has it and no {@code SmtpAuthenticator} of its own.
 */
package io.github.smtpd.autoconfigure.security;
