package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.util.Locale;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.mode.DebuggingMode;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code smtpd} endpoint, when Actuator is on the class path and the endpoint is available: access not
 * {@code none} and exposed, e.g. {@code management.endpoints.web.exposure.include=health,smtpd}. The totals it shows
 * are counted by a {@link SmtpdStatistics} listener that exists only then, so an application that does not expose
 * the endpoint counts nothing for it.
 */
@AutoConfiguration(after = { SmtpdAutoConfiguration.class, SmtpdModeAutoConfiguration.class })
@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
@ConditionalOnAvailableEndpoint(SmtpdEndpoint.class)
@ConditionalOnBean(SmtpServer.class)
public final class SmtpdEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    SmtpdStatistics smtpdStatistics() {
        return new SmtpdStatistics();
    }

    @Bean
    @ConditionalOnMissingBean
    SmtpdEndpoint smtpdEndpoint(SmtpServer server, SmtpdStatistics statistics,
            ObjectProvider<SmtpdProperties> properties, ObjectProvider<DebuggingMode> debugging) {
        SmtpdProperties smtpd = properties.getIfAvailable(SmtpdProperties::new);
        return new SmtpdEndpoint(server, statistics, smtpd.getMode().name().toLowerCase(Locale.ROOT),
                debugging.getIfUnique());
    }
}
