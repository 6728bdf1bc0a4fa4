package io.github.smtpd.capture.autoconfigure;

import java.nio.file.Path;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpHandlerDecorator;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import io.github.smtpd.capture.CapturingHandler;
import io.github.smtpd.capture.MessageStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * The mail catcher's store and the decorator that fills it: every message the server accepts, in any mode, is kept
 * (see {@link CaptureEnabledCondition} for when).
 */
@AutoConfiguration(before = SmtpdAutoConfiguration.class)
@ConditionalOnClass({ SmtpServer.class, MessageStore.class })
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
@Conditional(CaptureEnabledCondition.class)
@EnableConfigurationProperties(SmtpdCaptureProperties.class)
public final class SmtpdCaptureAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(SmtpdCaptureAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    MessageStore smtpdMessageStore(SmtpdCaptureProperties properties) {
        MessageStore.Limits limits;
        try {
            limits = new MessageStore.Limits(properties.getMaxMessages(), properties.getMaxSize().toBytes(),
                    (int) Math.max(1, properties.getCacheSize().toMegabytes()));
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.capture.*", ex.getMessage(),
                    "Set smtpd.capture.max-messages, smtpd.capture.max-size and smtpd.capture.cache-size to positive "
                            + "values (sizes like 256MB).", ex);
        }
        Path path = properties.getPath();
        try {
            MessageStore store = (path != null) ? MessageStore.open(path, limits)
                    : MessageStore.temporary(Path.of(System.getProperty("java.io.tmpdir")), limits);
            logger.info("Capturing accepted mail in {} (at most {} messages, {})", store, limits.maxMessages(),
                    properties.getMaxSize());
            return store;
        }
        catch (IllegalStateException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.capture.path", ex.getMessage(),
                    "Point smtpd.capture.path at a file this application alone uses, in a writable folder, or unset "
                            + "it for a temporary store.", ex);
        }
    }

    /** Innermost of the decorators: what is timed and traced includes the copy. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SmtpHandlerDecorator smtpdCaptureDecorator(MessageStore smtpdMessageStore) {
        return (handler) -> CapturingHandler.wrap(handler, smtpdMessageStore);
    }
}
