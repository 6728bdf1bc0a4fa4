package io.github.smtpd.autoconfigure.observation;

import java.util.Locale;

import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.autoconfigure.SmtpHandlerDecorator;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Observes every message, when Micrometer's observation API is on the class path and there is an
 * {@link ObservationRegistry} (Spring Boot makes one with {@code spring-boot-micrometer-observation}, which the
 * actuator starter brings). What the observation becomes depends on the registry's handlers: the
 * {@code smtpd.messages} timers with metrics, a span per message with tracing. Boot's
 * {@code management.observations.enable.smtpd=false} turns it off.
 */
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(ObservationRegistry.class)
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
public final class SmtpdObservationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "smtpdObservationHandlerDecorator")
    SmtpHandlerDecorator smtpdObservationHandlerDecorator(ObservationRegistry registry,
            ObjectProvider<SmtpMessageObservationConvention> convention, ObjectProvider<SmtpdProperties> properties) {
        String mode = properties.getIfAvailable(SmtpdProperties::new).getMode().name().toLowerCase(Locale.ROOT);
        SmtpMessageObservationConvention custom = convention.getIfAvailable();
        return (handler) -> ObservedSmtpHandler.wrap(handler, registry, custom, mode);
    }

    /**
     * Ends each message's observation scope after the server logged the message, so that its log line carries the
     * message's trace id; ordered last, so every other listener sees the scope too.
     */
    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    SmtpServerListener smtpdObservationScopeCloser() {
        return new ObservedSmtpHandler.ScopeCloser();
    }
}
