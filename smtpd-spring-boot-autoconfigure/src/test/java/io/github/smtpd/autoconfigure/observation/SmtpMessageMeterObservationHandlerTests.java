package io.github.smtpd.autoconfigure.observation;

import io.github.smtpd.MessageProcessor;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.autoconfigure.testsupport.Mail;
import io.github.smtpd.autoconfigure.testsupport.VerdictProcessor;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationFilter;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The message meters' own observation handler, in Boot's real metrics and observation auto-configuration: the same
 * meters as Boot's {@link DefaultMeterObservationHandler} would record, for messages only.
 */
class SmtpMessageMeterObservationHandlerTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdModeAutoConfiguration.class,
                SmtpdObservationAutoConfiguration.class, ObservationAutoConfiguration.class,
                MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=observed.example.org");

    @Test
    void messagesAreTimedByTheSmtpdHandlerFromOneTimerPerTagSet() {
        runner.run((context) -> {
            SmtpMessageMeterObservationHandler handler = context.getBean(SmtpMessageMeterObservationHandler.class);
            for (int i = 0; i < 3; i++) {
                assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
            }
            Timer timer = context.getBean(MeterRegistry.class)
                .get("smtpd.messages")
                .tags("mode", "default", "outcome", "accepted", "error", "none")
                .timer();
            assertThat(timer.count()).isEqualTo(3);
            assertThat(timer.getId().getTags()).extracting("key").containsExactlyInAnyOrder("mode", "outcome", "error");
            assertThat(context.getBean(MeterRegistry.class)
                .get("smtpd.messages.active")
                .tags("mode", "default")
                .longTaskTimer()
                .activeTasks()).isZero();
            // Three messages, one tag set: the meters were made once and kept, not looked up per message.
            assertThat(handler.cachedTagSets()).isEqualTo(2);
        });
    }

    @Test
    void otherObservationsStayWithBootsHandler() {
        runner.run((context) -> {
            ObservationRegistry registry = context.getBean(ObservationRegistry.class);
            Observation.createNotStarted("billing.run", registry)
                .lowCardinalityKeyValue("kind", "nightly")
                .start()
                .stop();
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("billing.run").tags("kind", "nightly", "error", "none").timer().count()).isEqualTo(1);
            assertThat(context.getBean(SmtpMessageMeterObservationHandler.class).cachedTagSets()).isZero();
        });
    }

    @Test
    void aFailingProcessorIsTaggedWithItsExceptionAsBootTagsIt() {
        runner.withBean(MessageProcessor.class, VerdictProcessor::new).run((context) -> {
            assertThat(Mail.sendTo(port(context), "boom@example.org")).isEqualTo(451);
            assertThat(context.getBean(MeterRegistry.class)
                .get("smtpd.messages")
                .tags("mode", "default", "outcome", "failed", "error", "IllegalStateException")
                .timer()
                .count()).isEqualTo(1);
        });
    }

    @Test
    void bootsIgnoredMetersPropertyDropsTheActiveTimer() {
        runner.withPropertyValues("management.metrics.observations.ignored-meters=long-task-timer").run((context) -> {
            assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.find("smtpd.messages.active").longTaskTimer()).isNull();
            assertThat(meters.get("smtpd.messages").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void aKeyAnObservationFilterAddsBecomesATag() {
        runner.withUserConfiguration(RegionFilter.class).run((context) -> {
            assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
            assertThat(context.getBean(MeterRegistry.class)
                .get("smtpd.messages")
                .tags("mode", "default", "outcome", "accepted", "error", "none", "region", "eu")
                .timer()
                .count()).isEqualTo(1);
        });
    }

    @Test
    void anEventAProcessorSignalsIsCountedAsBootCountsIt() {
        runner.withUserConfiguration(SignallingProcessor.class).run((context) -> {
            assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
            assertThat(context.getBean(MeterRegistry.class)
                .get("smtpd.messages.spam.checked")
                .tags("mode", "default")
                .counter()
                .count()).isEqualTo(1);
        });
    }

    @Test
    void withoutBootsMeterHandlerThereIsNone() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdModeAutoConfiguration.class,
                    SmtpdObservationAutoConfiguration.class, ObservationAutoConfiguration.class))
            .withPropertyValues("smtpd.localaddr=127.0.0.1:0")
            .run((context) -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(SmtpMessageMeterObservationHandler.class));
    }

    @Test
    void aMeterRemovedFromTheRegistryComesBackWithTheNextMessage() {
        runner.run((context) -> {
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
            meters.remove(meters.get("smtpd.messages").timer());
            meters.remove(meters.get("smtpd.messages.active").longTaskTimer());
            assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
            assertThat(meters.get("smtpd.messages").timer().count()).isEqualTo(1);
            assertThat(meters.find("smtpd.messages.active").longTaskTimer()).isNotNull();
        });
    }

    @Test
    void withoutBootsMetricsAutoConfigurationTheApplicationsOwnMeterHandlerCountsEachMessageOnce() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdModeAutoConfiguration.class,
                    SmtpdObservationAutoConfiguration.class, ObservationAutoConfiguration.class))
            .withUserConfiguration(OwnMeters.class)
            .withPropertyValues("smtpd.localaddr=127.0.0.1:0")
            .run((context) -> {
                // Nothing groups the meter handlers here, so a second one would record every message too.
                assertThat(context).hasNotFailed().doesNotHaveBean(SmtpMessageMeterObservationHandler.class);
                assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
                MeterRegistry meters = context.getBean(MeterRegistry.class);
                assertThat(meters.get("smtpd.messages").timer().count()).isEqualTo(1);
                assertThat(meters.find("smtpd.messages.active").longTaskTimer()).isNotNull();
            });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnMeters {

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        DefaultMeterObservationHandler meterObservationHandler(MeterRegistry registry) {
            return new DefaultMeterObservationHandler(registry);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class RegionFilter {

        @Bean
        ObservationFilter regionFilter() {
            return (context) -> context.addLowCardinalityKeyValue(KeyValue.of("region", "eu"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SignallingProcessor {

        @Bean
        MessageProcessor signallingProcessor(ObservationRegistry registry) {
            return (message) -> {
                registry.getCurrentObservation().event(Observation.Event.of("spam.checked"));
                return null;
            };
        }
    }

    private static int port(ApplicationContext context) {
        return context.getBean(SmtpServer.class).getPort();
    }
}
