/**
 * Start-up failures of the SMTP server and the failure analyzers that tell the user what to change.
 */
package io.github.smtpd.autoconfigure.diagnostics;
