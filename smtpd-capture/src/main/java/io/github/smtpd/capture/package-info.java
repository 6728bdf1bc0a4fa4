/**
 * The mail catcher: a bounded store of every message the server accepted ({@link io.github.smtpd.capture.MessageStore}),
 * filled by {@link io.github.smtpd.capture.CapturingHandler} in any mode, searched with
 * {@link io.github.smtpd.capture.SearchQuery}.
 */
package io.github.smtpd.capture;
