package io.github.smtpd.autoconfigure;

import io.github.smtpd.SmtpHandler;

/**
 * Wraps the {@link SmtpHandler} the server calls, once it is chosen (an {@code SmtpHandler} bean, the mode's, or the
 * chain of {@code MessageProcessor} beans). This is how code runs around every message, on the session's thread,
 * without replacing the handler: the observation auto-configuration times each message this way and makes its
 * span the current one while the processors run. Beans of this type are applied in {@code @Order} order, each
 * wrapping the result of the previous one, so the last one is outermost.
 *
 * <p>A decorator must pass every hook on ({@code onMail}, {@code onRcpt}, {@code onData}, {@code onReset}), and
 * let exceptions through: the server answers {@code 451} to a failed {@code onData}.
 */
@FunctionalInterface
public interface SmtpHandlerDecorator {

    /** Returns the handler to use instead of {@code handler}, usually one that calls it. */
    SmtpHandler decorate(SmtpHandler handler);
}
