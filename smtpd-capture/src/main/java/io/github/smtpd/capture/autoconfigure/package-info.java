/** Auto-configuration of the mail catcher ({@code smtpd.capture.*}). */
package io.github.smtpd.capture.autoconfigure;
