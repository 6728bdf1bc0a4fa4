package io.github.smtpd.autoconfigure;

import io.github.smtpd.SmtpServer;

/**
 * Changes the {@link SmtpServer.Builder} after the {@code smtpd.*} properties were applied and before the
 * server is built, e.g. to add or replace a command. Beans of this type are applied in {@code @Order} order.
 *
 * <pre>{@code
 * @Bean
 * SmtpServerCustomizer xclient() {
 *     return builder -> builder.command("XCLIENT", new XclientCommand());
 * }
 * }</pre>
 */
@FunctionalInterface
public interface SmtpServerCustomizer {

    /** Customizes the builder; later customizers see the changes of earlier ones. */
    void customize(SmtpServer.Builder builder);
}
