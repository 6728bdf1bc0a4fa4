package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.util.Locale;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.mode.DebuggingMode;
import jakarta.servlet.Filter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

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

    /**
     * In a servlet application, the guard against state changes from pages that are not this server's (see
     * {@link SmtpdEndpointWriteGuard}). It covers the endpoint on the application's own port; an endpoint on a
     * separate management port ({@code management.server.port}) is served by a child context it does not reach.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass({ Filter.class, WebEndpointProperties.class })
    static final class ServletWriteGuardConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "smtpdEndpointWriteGuard")
        FilterRegistrationBean<SmtpdEndpointWriteGuard> smtpdEndpointWriteGuard(
                ObjectProvider<WebEndpointProperties> webEndpoints, ObjectProvider<SmtpdProperties> properties) {
            WebEndpointProperties web = webEndpoints.getIfAvailable(WebEndpointProperties::new);
            String base = web.getBasePath().endsWith("/") ? web.getBasePath().substring(0, web.getBasePath().length() - 1)
                    : web.getBasePath();
            String path = base + "/" + web.getPathMapping().getOrDefault("smtpd", "smtpd");
            SmtpdProperties smtpd = properties.getIfAvailable(SmtpdProperties::new);
            FilterRegistrationBean<SmtpdEndpointWriteGuard> registration = new FilterRegistrationBean<>(
                    new SmtpdEndpointWriteGuard(smtpd.getEndpoint().getAllowedHosts()));
            registration.addUrlPatterns(path, path + "/*");
            // Before Spring Security's and the dispatcher: a refused request reaches nothing else.
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
            return registration;
        }
    }
}
