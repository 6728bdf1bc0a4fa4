package io.github.smtpd.starter;

import java.time.Duration;

import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.github.smtpd.autoconfigure.SmtpdProperties.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * A user's own application (not the demo, which ships application-&lt;profile&gt;.yml files): a profile named for a
 * mode chooses it, an explicit smtpd.mode wins, and two such profiles fail the start with advice.
 */
@ExtendWith(OutputCaptureExtension.class)
class StarterProfileModeTests {

    @Test
    void theDebuggingProfileChoosesDebuggingModeAndSaysSo(CapturedOutput output) {
        try (ConfigurableApplicationContext context = run("--spring.profiles.active=debugging",
                "--smtpd.debugging.output=stderr")) {
            assertThat(context.getBean(SmtpdProperties.class).getMode()).isEqualTo(Mode.DEBUGGING);
            assertThat(output.getOut()).contains("SMTP mode 'debugging' chosen by the active profile 'debugging'",
                    "messages go to");
        }
    }

    @Test
    void theProxyProfileChoosesProxyModeAndWarnsWhenNoUpstreamAnswers(CapturedOutput output) throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (ConfigurableApplicationContext context = run("--spring.profiles.active=proxy",
                "--smtpd.remoteaddr=127.0.0.1:" + closedPort)) {
            assertThat(context.getBean(SmtpdProperties.class).getMode()).isEqualTo(Mode.PROXY);
            // smtpd's default upstream, localhost:25, is rarely there: say so at start, not only with 451s.
            await().atMost(Duration.ofSeconds(20)).until(() -> output.getOut()
                .contains("No upstream of smtpd.remoteaddr can be reached (127.0.0.1:" + closedPort));
            assertThat(output.getOut()).contains("Every message will get 451 until one can");
        }
    }

    @Test
    void anExplicitModeWinsOverTheProfile(CapturedOutput output) {
        try (ConfigurableApplicationContext context = run("--spring.profiles.active=proxy", "--smtpd.mode=default")) {
            assertThat(context.getBean(SmtpdProperties.class).getMode()).isEqualTo(Mode.DEFAULT);
            assertThat(output.getOut()).doesNotContain("chosen by the active profile");
        }
    }

    @Test
    void otherProfilesLeaveTheDefaultMode() {
        try (ConfigurableApplicationContext context = run("--spring.profiles.active=prod,eu")) {
            assertThat(context.getBean(SmtpdProperties.class).getMode()).isEqualTo(Mode.DEFAULT);
        }
    }

    @Test
    void twoModeProfilesFailTheStartWithAdvice(CapturedOutput output) {
        SpringApplication application = new SpringApplication(StarterApplication.class);
        assertThatException().isThrownBy(() -> application.run("--smtpd.localaddr=127.0.0.1:0",
                "--spring.profiles.active=debugging,proxy"));
        assertThat(output.getOut()).contains("APPLICATION FAILED TO START",
                "the profiles debugging and proxy each choose an SMTP mode",
                "Activate one of debugging, proxy, or set smtpd.mode to the one you want.");
    }

    @Test
    void aDisabledServerIgnoresTheProfiles() {
        // "proxy" is a common profile name for HTTP proxy settings: with smtpd off it must change nothing.
        try (ConfigurableApplicationContext context = run("--spring.profiles.active=debugging,proxy",
                "--smtpd.enabled=false")) {
            assertThat(context.getEnvironment().getProperty("smtpd.mode")).isNull();
        }
    }

    private static ConfigurableApplicationContext run(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "--smtpd.localaddr=127.0.0.1:0";
        System.arraycopy(args, 0, all, 1, args.length);
        return new SpringApplication(StarterApplication.class).run(all);
    }
}
