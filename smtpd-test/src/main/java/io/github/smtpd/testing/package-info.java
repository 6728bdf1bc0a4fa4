/**
 * Testing code that sends mail: {@link io.github.smtpd.testing.SmtpdExtension} for JUnit 5,
 * {@link io.github.smtpd.testing.CapturedMessage} and its assertions, {@link io.github.smtpd.testing.Failures}.
 */
package io.github.smtpd.testing;
