package io.github.smtpd.autoconfigure.observation;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpHandlerDecorator;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.autoconfigure.testsupport.Mail;
import io.github.smtpd.autoconfigure.testsupport.RawSmtpClient;
import io.github.smtpd.autoconfigure.testsupport.VerdictProcessor;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-message observation: recorded in micrometer-observation-test's registry, which checks that every
 * observation is started, scoped and stopped correctly, and turned into timers by Boot's metrics handler.
 */
class SmtpdObservationAutoConfigurationTests {

    private final TestObservationRegistry observations = TestObservationRegistry.create();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdModeAutoConfiguration.class,
                SmtpdObservationAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=observed.example.org");

    private final ApplicationContextRunner withBootMetrics = runner.withConfiguration(AutoConfigurations.of(
            ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
            CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class));

    @Test
    void anAcceptedMessage() {
        runner.withBean(ObservationRegistry.class, () -> observations).run((context) -> {
            assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
            TestObservationRegistryAssert.assertThat(observations)
                .hasSingleObservationThat()
                .hasNameEqualTo("smtpd.messages")
                .hasContextualNameEqualTo("smtpd message")
                .hasLowCardinalityKeyValue("mode", "default")
                .hasLowCardinalityKeyValue("outcome", "accepted")
                .hasHighCardinalityKeyValue("from", "sender@example.org")
                .hasHighCardinalityKeyValue("peer", "127.0.0.1")
                .hasHighCardinalityKeyValue("recipients", "1")
                .hasHighCardinalityKeyValueWithKey("message.id")
                .doesNotHaveError()
                .hasBeenStarted()
                .hasBeenStopped();
        });
    }

    @Test
    void aTracerMakesAServerSpanAndTheServersLogLineIsInsideIt() {
        SimpleTracer tracer = new SimpleTracer();
        ObservationRegistry tracing = ObservationRegistry.create();
        tracing.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                new PropagatingReceiverTracingObservationHandler<>(tracer, newTraceEachTime(tracer)),
                new DefaultTracingObservationHandler(tracer)));
        // The engine's per-message line: which span was current when it was written.
        Logger messageLog = (Logger) LoggerFactory.getLogger(io.github.smtpd.internal.Session.class);
        List<String> spansOfTheLine = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getFormattedMessage().startsWith("Message ")) {
                    spansOfTheLine.add(String.valueOf(tracer.currentSpan() != null
                            ? tracer.currentSpan().context().spanId() : null));
                }
            }
        };
        appender.start();
        messageLog.addAppender(appender);
        // One thread processes every message, so what the scope left on it can be seen after the message.
        java.util.concurrent.ExecutorService single = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            runner.withBean(ObservationRegistry.class, () -> tracing)
                .withBean("smtpdTaskExecutor", java.util.concurrent.Executor.class, () -> single)
                .run((context) -> {
                assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
                SimpleSpan span = tracer.onlySpan();
                assertThat(span.getKind()).isEqualTo(Span.Kind.SERVER);
                assertThat(span.getName()).isEqualTo("smtpd message");
                assertThat(span.getRemoteIp()).isEqualTo("127.0.0.1");
                assertThat(span.getRemotePort()).isPositive();
                assertThat(spansOfTheLine).containsExactly(span.context().spanId());
                // Closed after the line: nothing stays current on the thread that processed the message.
                assertThat(single.submit(() -> tracer.currentSpan() == null).get()).isTrue();
            });
        }
        finally {
            messageLog.detachAppender(appender);
            single.shutdownNow();
        }
    }

    /** A propagator that finds no trace in a message, as any would: SimpleTracer has none of its own. */
    private static Propagator newTraceEachTime(SimpleTracer tracer) {
        return new Propagator() {
            @Override
            public List<String> fields() {
                return List.of();
            }

            @Override
            public <C> void inject(TraceContext context, C carrier, Setter<C> setter) {
            }

            @Override
            public <C> Span.Builder extract(C carrier, Getter<C> getter) {
                return tracer.spanBuilder();
            }
        };
    }

    @Test
    void aRejectedMessage() {
        runner.withBean(ObservationRegistry.class, () -> observations)
            .withBean(MessageProcessor.class, VerdictProcessor::new)
            .run((context) -> {
                assertThat(Mail.sendTo(port(context), "reject@example.org")).isEqualTo(550);
                TestObservationRegistryAssert.assertThat(observations)
                    .hasSingleObservationThat()
                    .hasLowCardinalityKeyValue("outcome", "rejected")
                    .doesNotHaveError();
            });
    }

    @Test
    void aDeferredMessageFailsWithoutAnError() {
        runner.withBean(ObservationRegistry.class, () -> observations)
            .withBean(MessageProcessor.class, VerdictProcessor::new)
            .run((context) -> {
                assertThat(Mail.sendTo(port(context), "defer@example.org")).isEqualTo(451);
                TestObservationRegistryAssert.assertThat(observations)
                    .hasSingleObservationThat()
                    .hasLowCardinalityKeyValue("outcome", "failed")
                    .doesNotHaveError();
            });
    }

    @Test
    void aFailingProcessorFailsWithItsError() {
        runner.withBean(ObservationRegistry.class, () -> observations)
            .withBean(MessageProcessor.class, VerdictProcessor::new)
            .run((context) -> {
                assertThat(Mail.sendTo(port(context), "boom@example.org")).isEqualTo(451);
                TestObservationRegistryAssert.assertThat(observations)
                    .hasSingleObservationThat()
                    .hasLowCardinalityKeyValue("outcome", "failed")
                    .hasBeenStopped()
                    .assertThatError()
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("The test's processor failed");
            });
    }

    @Test
    void theMessagesObservationIsCurrentWhileProcessorsRun() {
        AtomicReference<Observation> seen = new AtomicReference<>();
        runner.withBean(ObservationRegistry.class, () -> observations)
            .withBean(MessageProcessor.class, () -> (message) -> {
                seen.set(observations.getCurrentObservation());
                return null;
            })
            .run((context) -> {
                Mail.sendTo(port(context), "bob@example.org");
                // So a span a processor opens (an HTTP call, a database write) is a child of the message's span.
                assertThat(seen.get()).isNotNull();
                assertThat(seen.get().getContext().getName()).isEqualTo("smtpd.messages");
            });
    }

    @Test
    void lmtpCountsTheFirstRecipientThatWasNotAccepted() {
        runner.withBean(ObservationRegistry.class, () -> observations)
            .withPropertyValues("smtpd.protocol=lmtp")
            .withBean(MessageProcessor.class, () -> (message) -> {
                message.setRecipientReply(1, Reply.of(550, "5.1.1", "No such list"));
                return null;
            })
            .run((context) -> {
                try (RawSmtpClient client = new RawSmtpClient(port(context))) {
                    client.reply();
                    client.command("LHLO client.example.org");
                    client.command("MAIL FROM:<alice@example.org>");
                    client.command("RCPT TO:<first@lists.example.org>");
                    client.command("RCPT TO:<second@lists.example.org>");
                    client.command("DATA");
                    assertThat(client.command("Subject: lmtp\r\n\r\nhi\r\n.")).startsWith("250");
                    assertThat(client.reply()).startsWith("550");
                }
                TestObservationRegistryAssert.assertThat(observations)
                    .hasSingleObservationThat()
                    .hasLowCardinalityKeyValue("outcome", "rejected")
                    .hasHighCardinalityKeyValue("recipients", "2");
            });
    }

    @Test
    void anApplicationConventionIsUsed() {
        runner.withBean(ObservationRegistry.class, () -> observations)
            .withBean(SmtpMessageObservationConvention.class, () -> new DefaultSmtpMessageObservationConvention() {
                @Override
                public KeyValues getLowCardinalityKeyValues(SmtpMessageObservationContext context) {
                    return super.getLowCardinalityKeyValues(context).and("tenant", "blue");
                }
            })
            .run((context) -> {
                Mail.sendTo(port(context), "bob@example.org");
                TestObservationRegistryAssert.assertThat(observations)
                    .hasSingleObservationThat()
                    .hasLowCardinalityKeyValue("tenant", "blue")
                    .hasLowCardinalityKeyValue("outcome", "accepted");
            });
    }

    @Test
    void withBootsMetricsEachMessageIsTimedAndCountedWhileActive() {
        withBootMetrics.withPropertyValues("smtpd.mode=debugging").run((context) -> {
            Mail.sendTo(port(context), "bob@example.org");
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            Timer timer = registry.get("smtpd.messages")
                .tags("mode", "debugging", "outcome", "accepted", "error", "none")
                .timer();
            assertThat(timer.count()).isEqualTo(1);
            LongTaskTimer active = registry.get("smtpd.messages.active").tags("mode", "debugging").longTaskTimer();
            assertThat(active.activeTasks()).isZero();
            // Addresses stay out of the metrics: they are high cardinality keys, for traces only.
            assertThat(timer.getId().getTags()).extracting("key").containsExactlyInAnyOrder("mode", "outcome", "error");
        });
    }

    @Test
    void bootsObservationsEnablePropertySwitchesItOff() {
        withBootMetrics.withPropertyValues("management.observations.enable.smtpd=false").run((context) -> {
            assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
            assertThat(context.getBean(MeterRegistry.class).find("smtpd.messages").timer()).isNull();
        });
    }

    @Test
    void withoutAnObservationRegistryTheHandlerIsLeftAlone() {
        runner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SmtpHandlerDecorator.class));
    }

    @Test
    void withoutMicrometerMailStillFlows() {
        runner.withClassLoader(new FilteredClassLoader("io.micrometer")).run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(SmtpHandlerDecorator.class);
            assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
        });
    }

    @Test
    void aRelayedMessageIsObservedUntilTheUpstreamAnswered() {
        // An independent upstream: a second server that accepts one recipient and refuses the other's message.
        SmtpServer upstream = SmtpServer.builder().localAddress("127.0.0.1:0").messageProcessor(new VerdictProcessor())
            .build();
        upstream.start();
        try {
            runner.withBean(ObservationRegistry.class, () -> observations)
                .withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=127.0.0.1:" + upstream.getPort())
                .run((context) -> {
                    // The relay's MAIL and RCPT hooks pass through the decorator: without them DATA has no upstream.
                    assertThat(Mail.sendTo(port(context), "bob@example.org")).isEqualTo(250);
                    assertThat(Mail.sendTo(port(context), "reject@example.org")).isEqualTo(550);
                    TestObservationRegistryAssert.assertThat(observations)
                        .hasNumberOfObservationsEqualTo(2)
                        .forAllObservationsWithNameEqualTo("smtpd.messages",
                                (observation) -> observation.hasLowCardinalityKeyValue("mode", "proxy")
                                    .doesNotHaveError());
                    TestObservationRegistryAssert.assertThat(observations)
                        .hasAnObservationWithAKeyValue("outcome", "accepted")
                        .hasAnObservationWithAKeyValue("outcome", "rejected");
                });
        }
        finally {
            upstream.stop(java.time.Duration.ZERO);
        }
    }

    @Test
    void aDisabledServerNeedsNoDecorator() {
        runner.withBean(ObservationRegistry.class, () -> observations)
            .withPropertyValues("smtpd.enabled=false")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SmtpHandlerDecorator.class));
    }

    private static int port(org.springframework.context.ApplicationContext context) {
        return context.getBean(SmtpServer.class).getPort();
    }
}
