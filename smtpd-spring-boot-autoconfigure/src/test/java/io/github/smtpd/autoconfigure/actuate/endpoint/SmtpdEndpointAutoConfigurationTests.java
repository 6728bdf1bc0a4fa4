package io.github.smtpd.autoconfigure.actuate.endpoint;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.autoconfigure.testsupport.Mail;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** When the {@code smtpd} endpoint (and the statistics it needs) exist, and when they do not. */
class SmtpdEndpointAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdModeAutoConfiguration.class,
                SmtpdEndpointAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=endpoint.example.org");

    @Test
    void notExposedMeansNoEndpointAndNothingCounted() {
        runner.run((context) -> assertThat(context).hasNotFailed()
            .hasSingleBean(SmtpServer.class)
            .doesNotHaveBean(SmtpdEndpoint.class)
            .doesNotHaveBean(SmtpdStatistics.class));
    }

    @Test
    void exposedOverHttp() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=health,smtpd")
            .run((context) -> assertThat(context).hasSingleBean(SmtpdEndpoint.class)
                .hasSingleBean(SmtpdStatistics.class)
                .getBean(SmtpdStatistics.class)
                .isInstanceOf(SmtpServerListener.class));
    }

    @Test
    void exposedOverJmx() {
        runner.withPropertyValues("spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=smtpd")
            .run((context) -> assertThat(context).hasSingleBean(SmtpdEndpoint.class));
    }

    @Test
    void accessNoneTurnsItOffEvenWhenExposed() {
        // Upper case: a bare runner lacks the lenient enum conversion that SpringApplication gives applications.
        runner.withPropertyValues("management.endpoints.web.exposure.include=smtpd", "management.endpoint.smtpd.access=NONE")
            .run((context) -> assertThat(context).doesNotHaveBean(SmtpdEndpoint.class)
                .doesNotHaveBean(SmtpdStatistics.class));
    }

    @Test
    void withoutActuatorTheServerStillRuns() {
        // Hides the classes the auto-configuration's @ConditionalOnClass names, as a missing jar would.
        runner.withClassLoader(new FilteredClassLoader(ConditionalOnAvailableEndpoint.class))
            .withPropertyValues("management.endpoints.web.exposure.include=smtpd")
            .run((context) -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(SmtpdStatistics.class);
                assertThat(context).doesNotHaveBean(SmtpdEndpoint.class);
                assertThat(Mail.sendTo(context.getBean(SmtpServer.class).getPort(), "bob@example.org")).isEqualTo(250);
            });
    }

    @Test
    void withoutTheServerThereIsNoEndpoint() {
        runner.withPropertyValues("smtpd.enabled=false", "management.endpoints.web.exposure.include=smtpd")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SmtpdEndpoint.class));
    }

    @Test
    void anApplicationEndpointBeanWins() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=smtpd")
            .withBean("custom", SmtpdEndpoint.class,
                    () -> new SmtpdEndpoint(SmtpServer.builder().messageProcessor((message) -> null).build(),
                            new SmtpdStatistics(), "custom", null))
            .run((context) -> assertThat(context).hasSingleBean(SmtpdEndpoint.class).hasBean("custom"));
    }
}
