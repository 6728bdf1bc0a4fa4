package io.github.smtpd.autoconfigure.observation;

import java.util.Locale;

import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.autoconfigure.SmtpHandlerDecorator;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Observes every message, when Micrometer's observation API is on the class path and there is an
 * {@link ObservationRegistry} (Spring Boot makes one with {@code spring-boot-micrometer-observation}, which the
 * actuator starter brings). What the observation becomes depends on the registry's handlers: the
 * {@code smtpd.messages} timers with metrics, a span per message with tracing. Boot's
 * {@code management.observations.enable.smtpd=false} turns it off.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
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
     * The meters of message observations, recorded as Boot's own meter handler records them but from meters kept
     * per tag set ({@link SmtpMessageMeterObservationHandler}); only where Boot's handler is, which keeps every
     * other observation. Ordered ahead of Boot's handler (which has no order) and behind any the application orders.
     * Only with Boot's metrics auto-configuration ({@code MetricsProperties} is its mark): it is what groups the
     * meter handlers so that the first one that supports an observation is the only one to record it. Without it
     * every handler records every observation, and this one beside the application's own would count each message
     * twice.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsProperties")
    @ConditionalOnBean(type = { "io.micrometer.core.instrument.observation.DefaultMeterObservationHandler",
            "io.micrometer.core.instrument.MeterRegistry",
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsProperties" })
    static class MessageMeters {

        @Bean
        @Order(Ordered.LOWEST_PRECEDENCE - 10)
        SmtpMessageMeterObservationHandler smtpdMessageMeterObservationHandler(MeterRegistry registry,
                MetricsProperties properties) {
            return new SmtpMessageMeterObservationHandler(registry,
                    !properties.getObservations().getIgnoredMeters().contains(IgnoredMeters.LONG_TASK_TIMER));
        }
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
