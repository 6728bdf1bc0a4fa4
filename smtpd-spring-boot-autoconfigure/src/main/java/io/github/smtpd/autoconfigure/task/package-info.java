/**
 * The executor SMTP sessions run on.
 */
package io.github.smtpd.autoconfigure.task;
