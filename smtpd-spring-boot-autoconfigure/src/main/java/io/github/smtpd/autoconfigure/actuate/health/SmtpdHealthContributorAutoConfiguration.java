package io.github.smtpd.autoconfigure.actuate.health;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.github.smtpd.autoconfigure.context.SmtpServerBootstrap;
import io.github.smtpd.autoconfigure.mode.RelayModeCondition;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * The SMTP server's health contributors, when Spring Boot's health support is on the class path:
 * <ul>
 * <li>{@code smtpd}, the server itself; {@code management.health.smtpd.enabled=false} turns it off, and with it
 * every contributor here;</li>
 * <li>{@code smtpdUpstreams}, in proxy and mailman modes, one member per upstream;
 * {@code management.health.smtpd-upstreams.enabled=false} turns it off alone.</li>
 * </ul>
 */
@AutoConfiguration(after = SmtpdAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(SmtpServer.class)
@ConditionalOnEnabledHealthIndicator("smtpd")
@EnableConfigurationProperties(SmtpdUpstreamHealthProperties.class)
public final class SmtpdHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "smtpdHealthIndicator")
    SmtpdHealthIndicator smtpdHealthIndicator(SmtpServer server, ObjectProvider<SmtpServerBootstrap> bootstrap) {
        return new SmtpdHealthIndicator(server, bootstrap.getIfUnique());
    }

    @Bean
    @ConditionalOnMissingBean(name = "smtpdUpstreamsHealthContributor")
    @ConditionalOnEnabledHealthIndicator("smtpd-upstreams")
    @ConditionalOnBean(SmtpdProperties.class)
    @Conditional(RelayModeCondition.class)
    CompositeHealthContributor smtpdUpstreamsHealthContributor(SmtpdProperties properties, SmtpServer server,
            SmtpdUpstreamHealthProperties health) {
        return UpstreamHealthContributors.of(properties, server.settings().hostName(), health);
    }
}
