/**
 * The {@code smtpd} actuator endpoint: the server's state, totals and sessions, debugging mode's kept messages, and
 * pause/resume for rolling restarts.
 */
package io.github.smtpd.autoconfigure.actuate.endpoint;
