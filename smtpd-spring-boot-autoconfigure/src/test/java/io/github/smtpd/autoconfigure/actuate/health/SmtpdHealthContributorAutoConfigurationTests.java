package io.github.smtpd.autoconfigure.actuate.health;

import java.net.ServerSocket;
import java.time.Duration;

import io.github.smtpd.Protocol;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.context.SmtpServerBootstrap;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.autoconfigure.testsupport.ScriptedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code smtpd} and {@code smtpdUpstreams} health contributors, against running servers on 127.0.0.1. */
class SmtpdHealthContributorAutoConfigurationTests {

    private static final String SMTPD = "smtpdHealthIndicator";

    private static final String UPSTREAMS = "smtpdUpstreamsHealthContributor";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdModeAutoConfiguration.class,
                SmtpdHealthContributorAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=health.example.org");

    private SmtpServer upstream;

    private SmtpServer lmtp;

    @AfterEach
    void stopUpstreams() {
        for (SmtpServer server : new SmtpServer[] { upstream, lmtp }) {
            if (server != null) {
                server.stop(Duration.ZERO);
            }
        }
    }

    @Test
    void upWhileListeningAndAccepting() {
        runner.run((context) -> {
            Health health = smtpd(context);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("state", "accepting")
                .containsEntry("address", "127.0.0.1:" + context.getBean(SmtpServer.class).getPort())
                .containsEntry("sessions", 0);
        });
    }

    @Test
    void outOfServiceWhilePaused() {
        runner.run((context) -> {
            SmtpServer server = context.getBean(SmtpServer.class);
            server.pause();
            assertThat(smtpd(context).getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat(smtpd(context).getDetails()).containsEntry("state", "paused");
            server.resume();
            assertThat(smtpd(context).getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void downWhenTheListenerStoppedWhileTheApplicationWantsItRunning() {
        runner.run((context) -> {
            // Stopping the server behind the lifecycle's back is what a dead accept loop looks like from outside.
            context.getBean(SmtpServer.class).stop(Duration.ZERO);
            Health health = smtpd(context);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("state", "stopped").containsKey("error");
        });
    }

    @Test
    void outOfServiceWhenStoppedOnPurpose() {
        runner.run((context) -> {
            context.getBean(SmtpServerBootstrap.class).stop();
            Health health = smtpd(context);
            assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat(health.getDetails()).containsEntry("state", "stopped").doesNotContainKey("error");
        });
    }

    @Test
    void switchedOffByManagementHealthSmtpdEnabled() throws Exception {
        startUpstream();
        runner.withPropertyValues("management.health.smtpd.enabled=false", "smtpd.mode=proxy",
                "smtpd.remoteaddr=127.0.0.1:" + upstream.getPort())
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SMTPD).doesNotHaveBean(UPSTREAMS));
    }

    @Test
    void switchedOffByManagementHealthDefaultsEnabled() {
        runner.withPropertyValues("management.health.defaults.enabled=false")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SMTPD));
    }

    @Test
    void withoutSpringBootHealthTheServerStillRuns() {
        // Hides the classes the auto-configuration's @ConditionalOnClass names, as a missing jar would.
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
            .run((context) -> assertThat(context).hasNotFailed().hasSingleBean(SmtpServer.class).doesNotHaveBean(SMTPD));
    }

    @Test
    void anApplicationIndicatorOfTheSameNameWins() {
        runner.withBean(SMTPD, HealthIndicator.class, () -> () -> Health.up().withDetail("custom", true).build())
            .run((context) -> assertThat(smtpd(context).getDetails()).containsEntry("custom", true));
    }

    @Test
    void noUpstreamChecksOutsideTheRelayModes() {
        runner.run((context) -> assertThat(context).hasBean(SMTPD).doesNotHaveBean(UPSTREAMS));
        runner.withPropertyValues("smtpd.mode=debugging")
            .run((context) -> assertThat(context).hasBean(SMTPD).doesNotHaveBean(UPSTREAMS));
    }

    @Test
    void proxyModeChecksEveryRemoteAddress() throws Exception {
        startUpstream();
        int nothing = unusedPort();
        String up = "127.0.0.1:" + upstream.getPort();
        String down = "127.0.0.1:" + nothing;
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=" + up + ", " + down).run((context) -> {
            CompositeHealthContributor upstreams = upstreams(context);
            assertThat(upstreams.stream().map(CompositeHealthContributor.Entry::name)).containsExactly(up, down);
            assertThat(member(upstreams, up).getStatus()).isEqualTo(Status.UP);
            assertThat(member(upstreams, up).getDetails()).containsEntry("protocol", "SMTP").containsKey("checkedAt");
            assertThat(member(upstreams, down).getStatus()).isEqualTo(Status.DOWN);
        });
    }

    @Test
    void mailmanModeChecksMailmansLmtpServerAndTheRelay() throws Exception {
        startUpstream();
        lmtp = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("mailman.test").protocol(Protocol.LMTP)
            .messageProcessor((message) -> null).build();
        lmtp.start();
        String relay = "127.0.0.1:" + upstream.getPort();
        runner.withPropertyValues("smtpd.mode=mailman", "smtpd.remoteaddr=" + relay,
                "smtpd.mailman.list-domains=lists.example.org", "smtpd.mailman.lmtp-address=127.0.0.1:" + lmtp.getPort())
            .run((context) -> {
                CompositeHealthContributor upstreams = upstreams(context);
                assertThat(upstreams.stream().map(CompositeHealthContributor.Entry::name)).containsExactly("mailman",
                        relay);
                Health mailman = member(upstreams, "mailman");
                assertThat(mailman.getStatus()).isEqualTo(Status.UP);
                assertThat(mailman.getDetails()).containsEntry("protocol", "LMTP")
                    .containsEntry("address", "127.0.0.1:" + lmtp.getPort());
                assertThat(member(upstreams, relay).getStatus()).isEqualTo(Status.UP);
            });
    }

    @Test
    void anAddressThatDoesNotParseIsReportedDownRatherThanFailingStartUp() {
        // With the application's own handler in place of the mailman mode, nothing else checks the LMTP address.
        runner.withPropertyValues("smtpd.mode=mailman", "smtpd.mailman.lmtp-address=mailman.internal")
            .withBean(io.github.smtpd.SmtpHandler.class, () -> (message) -> null)
            .run((context) -> {
                Health health = member(upstreams(context), "mailman");
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                assertThat((String) health.getDetails().get("error")).contains("the port is missing");
            });
    }

    @Test
    void aTimeoutThatIsNotPositiveIsReportedDownRatherThanFailingStartUp() throws Exception {
        startUpstream();
        String address = "127.0.0.1:" + upstream.getPort();
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=" + address,
                "management.health.smtpd-upstreams.timeout=0s")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                Health health = member(upstreams(context), address);
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                assertThat((String) health.getDetails().get("error")).contains("The timeout must be positive");
            });
    }

    @Test
    void upstreamChecksCanBeSwitchedOffAlone() throws Exception {
        startUpstream();
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=127.0.0.1:" + upstream.getPort(),
                "management.health.smtpd-upstreams.enabled=false")
            .run((context) -> assertThat(context).hasBean(SMTPD).doesNotHaveBean(UPSTREAMS));
    }

    @Test
    void aCheckIsReusedForTheCacheTimeToLive() throws Exception {
        startUpstream();
        String address = "127.0.0.1:" + upstream.getPort();
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=" + address).run((context) -> {
            Health first = member(upstreams(context), address);
            upstream.stop(Duration.ZERO);
            // Within the default 30 s the stopped upstream is not contacted again.
            assertThat(member(upstreams(context), address)).isEqualTo(first);
        });
    }

    @Test
    void aZeroTimeToLiveChecksEveryTime() throws Exception {
        startUpstream();
        String address = "127.0.0.1:" + upstream.getPort();
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=" + address,
                "management.health.smtpd-upstreams.cache-time-to-live=0s")
            .run((context) -> {
                assertThat(member(upstreams(context), address).getStatus()).isEqualTo(Status.UP);
                upstream.stop(Duration.ZERO);
                assertThat(member(upstreams(context), address).getStatus()).isEqualTo(Status.DOWN);
            });
    }

    @Test
    void greetsWithTheRelayHeloNameElseTheHostName() throws Exception {
        try (ScriptedServer recorder = new ScriptedServer("220 recorder.test", (line) -> "250 ok")) {
            String address = "127.0.0.1:" + recorder.port();
            ContextConsumer<AssertableApplicationContext> check = (context) -> member(upstreams(context), address);
            runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=" + address).run(check);
            runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=" + address,
                    "smtpd.relay.helo-name=relay.example.org").run(check);
            assertThat(recorder.received()).containsExactly("EHLO health.example.org", "QUIT",
                    "EHLO relay.example.org", "QUIT");
        }
    }

    private void startUpstream() {
        upstream = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("upstream.test")
            .messageProcessor((message) -> null).build();
        upstream.start();
    }

    private static int unusedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Health smtpd(AssertableApplicationContext context) {
        return context.getBean(SMTPD, HealthIndicator.class).health();
    }

    private static CompositeHealthContributor upstreams(AssertableApplicationContext context) {
        return context.getBean(UPSTREAMS, CompositeHealthContributor.class);
    }

    private static Health member(CompositeHealthContributor upstreams, String name) {
        HealthContributor member = upstreams.getContributor(name);
        assertThat(member).isInstanceOf(HealthIndicator.class);
        return ((HealthIndicator) member).health();
    }
}
