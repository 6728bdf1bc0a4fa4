package io.github.smtpd.autoconfigure.diagnostics;

import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import io.github.smtpd.PortInUseException;
import io.github.smtpd.SmtpServerException;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.task.SmtpdTaskExecutorAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each failure analyzer, fed the real start-up failure of a context with the bad setting, so the test also
 * proves the analyzer finds its exception inside Spring's wrapping.
 */
class SmtpdFailureAnalyzersTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdTaskExecutorAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=test.example.org");

    @Test
    void decodeDataWithSmtpUtf8() {
        FailureAnalysis analysis = analyze(new SmtpUtf8WithDecodeDataFailureAnalyzer(), "smtpd.decode-data=true",
                "smtpd.enable-smtputf8=true");
        assertThat(analysis.getDescription()).contains("smtpd.decode-data and smtpd.enable-smtputf8 are both true");
        assertThat(analysis.getAction()).contains("Set smtpd.decode-data=false", "or set smtpd.enable-smtputf8=false");
    }

    @Test
    void unparsableLocalAddress() {
        FailureAnalysis analysis = analyze(new InvalidSmtpdAddressFailureAnalyzer(), "smtpd.localaddr=localhost");
        assertThat(analysis.getDescription()).contains("because of smtpd.localaddr: 'localhost' is not a valid host:port address",
                "the port is missing");
        assertThat(analysis.getAction()).contains("Set smtpd.localaddr", "localhost:8025", "[::1]:2525");
    }

    @Test
    void unparsableRemoteAddress() {
        FailureAnalysis analysis = analyze(new InvalidSmtpdAddressFailureAnalyzer(), "smtpd.remoteaddr=::1:25");
        assertThat(analysis.getDescription()).contains("because of smtpd.remoteaddr: '::1:25'", "brackets");
        assertThat(analysis.getAction()).contains("Set smtpd.remoteaddr to the upstream SMTP server as host:port");
    }

    @Test
    void proxyWithoutRemoteAddress() {
        FailureAnalysis analysis = analyze(new MissingRemoteAddressFailureAnalyzer(), "smtpd.mode=proxy",
                "smtpd.remoteaddr=");
        assertThat(analysis.getDescription()).contains("smtpd.mode is 'proxy'", "smtpd.remoteaddr is empty");
        assertThat(analysis.getAction()).contains("Set smtpd.remoteaddr", "or set smtpd.mode=default");
    }

    @Test
    void modeNotAvailable() {
        FailureAnalysis analysis = analyze(new SmtpdModeUnavailableFailureAnalyzer(), "smtpd.mode=mailman");
        assertThat(analysis.getDescription()).contains("smtpd.mode is 'mailman'", "no SmtpHandler bean implements it");
        assertThat(analysis.getAction()).contains("smtpd.mode=default");
    }

    @Test
    void portInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            FailureAnalysis analysis = analyze(new SmtpdPortInUseFailureAnalyzer(),
                    "smtpd.localaddr=127.0.0.1:" + port);
            assertThat(analysis.getDescription())
                .isEqualTo("SMTP server failed to start. Port " + port + " was already in use.");
            assertThat(analysis.getAction()).contains("listening on port " + port, "smtpd.localaddr");
        }
    }

    @Test
    void portInUseWordingMatchesSpringBoot() {
        FailureAnalysis analysis = new SmtpdPortInUseFailureAnalyzer()
            .analyze(new IllegalStateException(new PortInUseException(2525, new BindException("Address already in use"))));
        assertThat(analysis.getDescription()).isEqualTo("SMTP server failed to start. Port 2525 was already in use.");
        assertThat(analysis.getAction()).startsWith(
                "Identify and stop the process that's listening on port 2525 or configure this application to listen "
                        + "on another port");
    }

    @Test
    void portInUseNamesThePropertyOfTheListenerThatFailed() {
        FailureAnalysis analysis = new SmtpdPortInUseFailureAnalyzer()
            .analyze(new PortInUseException(465, true, new BindException("Address already in use")));
        assertThat(analysis.getDescription())
            .isEqualTo("SMTP server failed to start. Port 465 (implicit TLS) was already in use.");
        assertThat(analysis.getAction()).contains("with smtpd.ssl.implicit-localaddr,").doesNotContain("smtpd.localaddr");
    }

    @Test
    void otherBindFailures() {
        FailureAnalysis analysis = analyze(new SmtpServerStartFailureAnalyzer(),
                "smtpd.localaddr=no-such-host.invalid:0");
        assertThat(analysis.getDescription()).contains("Unknown host 'no-such-host.invalid'");
        assertThat(analysis.getAction()).contains("Check smtpd.localaddr");
        assertThat(new SmtpServerStartFailureAnalyzer().analyze(new PortInUseException(25, null))).isNull();
        assertThat(new SmtpServerStartFailureAnalyzer().analyze(new SmtpServerException("x"))).isNotNull();
    }

    @Test
    void analyzersAreRegisteredWithSpringBoot() {
        // Spring Boot's own analyzers need constructor arguments this plain loader does not give: skip them.
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
            .load(FailureAnalyzer.class, null, (type, name, failure) -> {
            });
        assertThat(analyzers).hasAtLeastOneElementOfType(InvalidSmtpdAddressFailureAnalyzer.class)
            .hasAtLeastOneElementOfType(MissingRemoteAddressFailureAnalyzer.class)
            .hasAtLeastOneElementOfType(SmtpUtf8WithDecodeDataFailureAnalyzer.class)
            .hasAtLeastOneElementOfType(SmtpdModeUnavailableFailureAnalyzer.class)
            .hasAtLeastOneElementOfType(SmtpdPortInUseFailureAnalyzer.class)
            .hasAtLeastOneElementOfType(SmtpServerStartFailureAnalyzer.class);
    }

    private FailureAnalysis analyze(FailureAnalyzer analyzer, String... properties) {
        FailureAnalysis[] analysis = new FailureAnalysis[1];
        runner.withPropertyValues(properties).run((context) -> {
            assertThat(context).hasFailed();
            analysis[0] = analyzer.analyze(context.getStartupFailure());
        });
        assertThat(analysis[0]).as("analysis").isNotNull();
        return analysis[0];
    }
}
