package io.github.smtpd.autoconfigure.metrics;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The SMTP server's meters, when Micrometer is on the class path and there is a {@link MeterRegistry}. Boot's
 * metrics auto-configurations are named rather than referenced, so this class loads without them.
 */
@AutoConfiguration(after = SmtpdAutoConfiguration.class,
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, SmtpServer.class })
public final class SmtpdMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    SmtpdMetricsListener smtpdMetricsListener(MeterRegistry registry, ObjectProvider<SmtpdProperties> properties) {
        SmtpdProperties smtpd = properties.getIfAvailable(SmtpdProperties::new);
        return new SmtpdMetricsListener(registry, smtpd.getMode().isRelaying());
    }

    @Bean
    @ConditionalOnMissingBean
    SmtpdSessionsMeterBinder smtpdSessionsMeterBinder(SmtpServer server) {
        return new SmtpdSessionsMeterBinder(server);
    }
}
