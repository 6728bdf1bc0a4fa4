/**
 * The ready-made modes of Python smtpd, chosen with {@code smtpd.mode}: debugging, proxy and mailman.
 */
package io.github.smtpd.autoconfigure.mode;
