package io.github.smtpd.autoconfigure;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.smtpd.Message;
import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.autoconfigure.context.SmtpServerBootstrap;
import io.github.smtpd.autoconfigure.context.SmtpServerInitializedEvent;
import io.github.smtpd.autoconfigure.diagnostics.SmtpdModeUnavailableException;
import io.github.smtpd.autoconfigure.task.SmtpdTaskExecutorAutoConfiguration;
import io.github.smtpd.autoconfigure.testsupport.Mail;
import io.github.smtpd.autoconfigure.testsupport.RawSmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SmtpdAutoConfiguration}: every server here listens on 127.0.0.1 and a free port, and receives real
 * mail from Angus Mail.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmtpdAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdTaskExecutorAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=test.example.org");

    @Test
    void defaultsAreSmtpdsDefaults() {
        // Not started, so the default localaddr (localhost:8025) is never bound by the test.
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class))
            .withUserConfiguration(NotStartedConfiguration.class)
            .run((context) -> {
                SmtpServer server = context.getBean(SmtpServer.class);
                assertThat(server.getLocalAddress().getHostString()).isEqualTo("localhost");
                assertThat(server.getLocalAddress().getPort()).isEqualTo(8025);
                assertThat(server.settings().remoteAddress().getHostString()).isEqualTo("localhost");
                assertThat(server.settings().remoteAddress().getPort()).isEqualTo(25);
                assertThat(server.settings().dataSizeLimit()).isEqualTo(33554432L);
                assertThat(server.settings().enableSmtpUtf8()).isFalse();
                assertThat(server.settings().decodeData()).isFalse();
                assertThat(server.settings().maxSessions()).isEqualTo(1000);
                assertThat(server.settings().maxSessionsPerClient()).isEqualTo(50);
                assertThat(server.settings().maxRecipients()).isEqualTo(1000);
                assertThat(server.settings().maxBadCommands()).isEqualTo(20);
                assertThat(server.settings().idleTimeout()).isEqualTo(Duration.ofMinutes(5));
                assertThat(server.settings().spoolThreshold()).isEqualTo(1024 * 1024);
                assertThat(server.settings().spoolDirectory()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
                assertThat(server.settings().eventLoops())
                    .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
                SmtpdProperties properties = context.getBean(SmtpdProperties.class);
                assertThat(properties.getMode()).isEqualTo(SmtpdProperties.Mode.DEFAULT);
                assertThat(properties.getShutdownGracePeriod()).isEqualTo(Duration.ofSeconds(20));
                assertThat(properties.getBacklog()).isEqualTo(256);
            });
    }

    @Test
    void everyPropertyIsMappedOntoTheServer(@TempDir Path spool) {
        runner.withPropertyValues("smtpd.remoteaddr=[::1]:2526", "smtpd.data-size-limit=2MB",
                "smtpd.enable-smtputf8=true", "smtpd.host-name=mx.example.org", "smtpd.max-sessions=7",
                "smtpd.max-sessions-per-client=3", "smtpd.max-recipients=9", "smtpd.max-bad-commands=4",
                "smtpd.idle-timeout=45s", "smtpd.spool-threshold=64KB", "smtpd.spool-directory=" + spool,
                "smtpd.backlog=17", "smtpd.shutdown-grace-period=3s")
            .run((context) -> {
                SmtpServer server = context.getBean(SmtpServer.class);
                assertThat(server.getLocalAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
                assertThat(server.settings().remoteAddress()).isEqualTo(InetSocketAddress.createUnresolved("::1", 2526));
                assertThat(server.settings().dataSizeLimit()).isEqualTo(2 * 1024 * 1024);
                assertThat(server.settings().enableSmtpUtf8()).isTrue();
                assertThat(server.settings().hostName()).isEqualTo("mx.example.org");
                assertThat(server.settings().maxSessions()).isEqualTo(7);
                assertThat(server.settings().maxSessionsPerClient()).isEqualTo(3);
                assertThat(server.settings().maxRecipients()).isEqualTo(9);
                assertThat(server.settings().maxBadCommands()).isEqualTo(4);
                assertThat(server.settings().idleTimeout()).isEqualTo(Duration.ofSeconds(45));
                assertThat(server.settings().spoolThreshold()).isEqualTo(64 * 1024);
                assertThat(server.settings().spoolDirectory()).isEqualTo(spool);
                assertThat(context.getBean(SmtpdProperties.class).getBacklog()).isEqualTo(17);
                try (RawSmtpClient client = new RawSmtpClient(server.getPort())) {
                    assertThat(client.reply()).startsWith("220 mx.example.org");
                    assertThat(client.command("EHLO client.example.org")).contains("250-SIZE 2097152", "SMTPUTF8");
                }
            });
    }

    @Test
    void theTrustedNetworksAreExemptFromThePerClientCapAndNobodyElse() {
        // An outside run: 200 parallel connections of a local application got 50 greetings and 150 x 421.
        runner.withPropertyValues("smtpd.max-sessions-per-client=1").run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            assertThat(server.settings().clientLimitExceptions()).extracting(Object::toString)
                .containsExactly("127.0.0.0/8", "::1/128");
            try (RawSmtpClient first = new RawSmtpClient(server.getPort());
                    RawSmtpClient second = new RawSmtpClient(server.getPort())) {
                assertThat(first.reply()).startsWith("220 ");
                assertThat(second.reply()).startsWith("220 ");
            }
        });
        runner.withPropertyValues("smtpd.max-sessions-per-client=1", "smtpd.relay.trusted-networks=10.0.0.0/8")
            .run((context) -> {
                int port = context.getBean(SmtpServer.class).getPort();
                try (RawSmtpClient first = new RawSmtpClient(port); RawSmtpClient second = new RawSmtpClient(port)) {
                    assertThat(first.reply()).startsWith("220 ");
                    assertThat(second.reply()).startsWith("421 ");
                }
            });
        runner.withPropertyValues("smtpd.relay.trusted-networks=loopback").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("smtpd.relay.trusted-networks");
        });
    }

    @Test
    void aBadAuthFailureLimitFailsClearly() {
        runner.withPropertyValues("smtpd.auth.max-failures-per-client=-1").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("smtpd.auth.max-failures-per-client");
        });
        runner.withPropertyValues("smtpd.auth.failure-window=0s").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("smtpd.auth.failure-window");
        });
    }

    @Test
    void theEsmtpAndSecurityPropertiesAreMappedOntoTheServer() {
        runner.withPropertyValues("smtpd.remoteaddr=first.example.org:25, second.example.org:2525",
                "smtpd.data-timeout=90s", "smtpd.protocol=lmtp", "smtpd.enhanced-status-codes=false",
                "smtpd.received-header=false", "smtpd.non-blocking-processors=true", "smtpd.event-loops=3",
                "smtpd.line-ending-policy=reject", "smtpd.max-data-line-length=998",
                "smtpd.proxy-protocol.trusted-proxies=10.0.0.0/8,192.0.2.7", "smtpd.auth.allow-plaintext=true",
                "smtpd.auth.failure-delay=250ms", "smtpd.stress-timeout=3s", "smtpd.min-data-rate=2000")
            .run((context) -> {
                SmtpServer server = context.getBean(SmtpServer.class);
                assertThat(server.settings().remoteAddress()).isEqualTo(InetSocketAddress.createUnresolved("first.example.org", 25));
                assertThat(server.settings().dataTimeout()).isEqualTo(Duration.ofSeconds(90));
                assertThat(server.settings().protocol()).isEqualTo(io.github.smtpd.Protocol.LMTP);
                assertThat(server.settings().enhancedStatusCodes()).isFalse();
                assertThat(server.settings().receivedHeader()).isFalse();
                assertThat(server.settings().nonBlockingProcessors()).isTrue();
                assertThat(server.settings().eventLoops()).isEqualTo(3);
                assertThat(server.settings().lineEndingPolicy()).isEqualTo(io.github.smtpd.LineEndingPolicy.REJECT);
                assertThat(server.settings().maxDataLineLength()).isEqualTo(998);
                assertThat(server.settings().trustedProxies()).extracting(Object::toString).containsExactly("10.0.0.0/8",
                        "192.0.2.7");
                assertThat(server.settings().allowPlaintextAuth()).isTrue();
                assertThat(server.settings().authFailureDelay()).isEqualTo(Duration.ofMillis(250));
                assertThat(server.settings().stressTimeout()).isEqualTo(Duration.ofSeconds(3));
                assertThat(server.settings().minDataRate()).isEqualTo(2000);
                assertThat(server.settings().sslContext()).isNull();
            });
    }

    @Test
    void aBadProxyNetworkOrLimitFailsClearly() {
        runner.withPropertyValues("smtpd.proxy-protocol.trusted-proxies=lb.example.org").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                .hasStackTraceContaining("Invalid smtpd.proxy-protocol.trusted-proxies");
        });
        runner.withPropertyValues("smtpd.max-sessions=0").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("maxSessions must be positive");
        });
        runner.withPropertyValues("smtpd.event-loops=0").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("eventLoops must be positive");
        });
    }

    @Test
    void decodeDataAndAnEmptyRemoteAddressAreMapped() {
        runner.withPropertyValues("smtpd.decode-data=true", "smtpd.remoteaddr=", "smtpd.data-size-limit=0")
            .run((context) -> {
                SmtpServer server = context.getBean(SmtpServer.class);
                assertThat(server.settings().decodeData()).isTrue();
                assertThat(server.settings().remoteAddress()).isNull();
                assertThat(server.settings().dataSizeLimit()).isZero();
            });
    }

    @Test
    void processorsAreCalledInOrderAndTheFirstReplyWins() {
        runner.withUserConfiguration(OrderedProcessors.class).run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            List<String> calls = context.getBean(OrderedProcessors.class).calls;
            assertThat(Mail.sendForCode(port, "accept")).isEqualTo(250);
            assertThat(calls).containsExactly("first:accept", "second:accept", "third:accept");
            calls.clear();
            assertThat(Mail.sendForCode(port, "refuse")).isEqualTo(550);
            assertThat(calls).containsExactly("first:refuse", "second:refuse");
        });
    }

    @Test
    void withoutProcessorsMessagesAreAcceptedAndTheWarningIsLoggedOnce(CapturedOutput output) {
        runner.run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            assertThat(Mail.sendForCode(port, "one")).isEqualTo(250);
            assertThat(Mail.sendForCode(port, "two")).isEqualTo(250);
        });
        assertThat(output.getOut().split("No MessageProcessor bean is defined", -1)).hasSize(2);
    }

    @Test
    void aHandlerBeanTakesOverFromProcessors() {
        runner.withUserConfiguration(OrderedProcessors.class, HandlerConfiguration.class).run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            assertThat(Mail.sendForCode(port, "refuse")).isEqualTo(554);
            assertThat(context.getBean(OrderedProcessors.class).calls).isEmpty();
        });
    }

    @Test
    void aModeWithoutAHandlerFailsClearly() {
        // Without the mode auto-configuration nothing contributes the proxy's handler.
        runner.withPropertyValues("smtpd.mode=proxy").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                .isInstanceOf(SmtpdModeUnavailableException.class)
                .hasMessageContaining("smtpd.mode=proxy");
        });
    }

    @Test
    void aModeRunsTheHandlerItContributes() {
        runner.withPropertyValues("smtpd.mode=debugging")
            .withUserConfiguration(HandlerConfiguration.class)
            .run((context) -> assertThat(Mail.sendForCode(context.getBean(SmtpServer.class).getPort(), "x"))
                .isEqualTo(554));
    }

    @Test
    void customizersAreAppliedInOrder() {
        runner.withUserConfiguration(Customizers.class).run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            assertThat(server.settings().hostName()).isEqualTo("second.example.org");
            try (RawSmtpClient client = new RawSmtpClient(server.getPort())) {
                client.reply();
                assertThat(client.command("XHELLO")).isEqualTo("250 hello from a customizer");
            }
        });
    }

    @Test
    void listenerBeansReceiveEvents() {
        runner.withUserConfiguration(ListenerConfiguration.class).run((context) -> {
            Mail.send(context.getBean(SmtpServer.class).getPort(), "a@example.org", "b@example.org", "s", "x");
            assertThat(context.getBean(ListenerConfiguration.class).messages).singleElement()
                .satisfies((message) -> assertThat(message.rcptTos()).containsExactly("b@example.org"));
        });
    }

    @Test
    void theBoundPortIsPublishedWithAnEvent() {
        runner.withUserConfiguration(InitializedListener.class).run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            assertThat(server.getPort()).isPositive();
            assertThat(context.getEnvironment().getProperty("local.smtpd.port", Integer.class))
                .isEqualTo(server.getPort());
            assertThat(context.getBean(InitializedListener.class).events).singleElement()
                .satisfies((event) -> assertThat(event.getSmtpServer()).isSameAs(server));
            assertThat(server.isRunning()).isTrue();
        });
    }

    @Test
    void theDrainStartsInTheWebServersGracefulShutdownPhase() {
        runner.run((context) -> {
            io.github.smtpd.autoconfigure.context.SmtpServerGracefulShutdown drain = context
                .getBean(io.github.smtpd.autoconfigure.context.SmtpServerGracefulShutdown.class);
            SmtpServerBootstrap bootstrap = context.getBean(SmtpServerBootstrap.class);
            assertThat(drain.getPhase()).isGreaterThan(bootstrap.getPhase());
            assertThat(drain.isRunning()).isTrue();
            java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
            drain.stop(stopped::countDown);
            assertThat(stopped.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(bootstrap.isRunning()).isFalse();
            assertThat(context.getBean(SmtpServer.class).isRunning()).isFalse();
        });
    }

    @Test
    void theServerStopsWithTheContext() {
        SmtpServer[] server = new SmtpServer[1];
        runner.run((context) -> server[0] = context.getBean(SmtpServer.class));
        assertThat(server[0].isRunning()).isFalse();
    }

    @Test
    void aUserServerReplacesOurs() {
        runner.withUserConfiguration(UserServer.class).run((context) -> {
            assertThat(context).getBean(SmtpServer.class).isSameAs(context.getBean(UserServer.class).server);
            assertThat(context.getBean(SmtpServer.class).settings().hostName()).isEqualTo("user.example.org");
            // The lifecycle still starts (and will drain) the application's own server, as the README says.
            SmtpServer server = context.getBean(SmtpServer.class);
            assertThat(server.isRunning()).isTrue();
            try (RawSmtpClient client = new RawSmtpClient(server.getPort())) {
                assertThat(client.reply()).startsWith("220 user.example.org");
            }
        });
    }

    @Test
    void backsOffWhenDisabled() {
        runner.withPropertyValues("smtpd.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(SmtpServer.class)
                .doesNotHaveBean(SmtpServerBootstrap.class));
    }

    @Test
    void backsOffWithoutTheCore() {
        runner.withClassLoader(new FilteredClassLoader(SmtpServer.class))
            .run((context) -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(SmtpdProperties.class)
                .doesNotHaveBean(SmtpServerBootstrap.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class NotStartedConfiguration {

        @Bean
        SmtpServerBootstrap smtpServerBootstrap(SmtpServer server, ApplicationContext context) {
            return new SmtpServerBootstrap(server, Duration.ZERO, context) {
                @Override
                public boolean isAutoStartup() {
                    return false;
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OrderedProcessors {

        final List<String> calls = new CopyOnWriteArrayList<>();

        // Declared out of order on purpose: @Order, not declaration order, decides.
        @Bean
        @Order(3)
        MessageProcessor third() {
            return record("third", null);
        }

        @Bean
        @Order(1)
        MessageProcessor first() {
            return record("first", null);
        }

        @Bean
        @Order(2)
        MessageProcessor second() {
            return record("second", Reply.of(550, "5.7.1", "Refused by the second processor"));
        }

        private MessageProcessor record(String name, Reply refusal) {
            return (message) -> {
                String subject = subject(message);
                calls.add(name + ":" + subject);
                return "refuse".equals(subject) ? refusal : null;
            };
        }

        private static String subject(Message message) {
            return message.text().lines().filter((line) -> line.startsWith("Subject: ")).findFirst()
                .map((line) -> line.substring("Subject: ".length())).orElse("");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HandlerConfiguration {

        @Bean
        SmtpHandler handler() {
            return (message) -> Reply.of(554, "Handled by the handler bean");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {

        @Bean
        @Order(2)
        SmtpServerCustomizer second() {
            return (builder) -> builder.hostName("second.example.org");
        }

        @Bean
        @Order(1)
        SmtpServerCustomizer first() {
            return (builder) -> builder.hostName("first.example.org")
                .command("XHELLO", (session, argument) -> session.reply(250, "hello from a customizer"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ListenerConfiguration {

        final List<Message> messages = new CopyOnWriteArrayList<>();

        @Bean
        SmtpServerListener recordingListener() {
            return new SmtpServerListener() {
                @Override
                public void messageCompleted(SmtpSession session, Message message, Reply reply, Duration time) {
                    messages.add(message);
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class InitializedListener implements ApplicationListener<SmtpServerInitializedEvent> {

        final List<SmtpServerInitializedEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(SmtpServerInitializedEvent event) {
            events.add(event);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserServer {

        final SmtpServer server = SmtpServer.builder()
            .localAddress("127.0.0.1:0")
            .hostName("user.example.org")
            .messageProcessor((message) -> null)
            .build();

        @Bean
        SmtpServer userSmtpServer() {
            return server;
        }
    }
}
