package io.github.smtpd.starter;

import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Bad configuration as the user sees it: Spring Boot's "APPLICATION FAILED TO START" report with our
 * description and action, which proves the analyzers are registered where Boot looks for them.
 */
@ExtendWith(OutputCaptureExtension.class)
class StarterFailureReportTests {

    @Test
    void portInUse(CapturedOutput output) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            run("--smtpd.localaddr=127.0.0.1:" + port);
            assertThat(output.getOut()).contains("APPLICATION FAILED TO START",
                    "SMTP server failed to start. Port " + port + " was already in use.",
                    "Identify and stop the process that's listening on port " + port);
        }
    }

    @Test
    void decodeDataWithSmtpUtf8(CapturedOutput output) {
        run("--smtpd.localaddr=127.0.0.1:0", "--smtpd.decode-data=true", "--smtpd.enable-smtputf8=true");
        assertThat(output.getOut()).contains("APPLICATION FAILED TO START",
                "smtpd.decode-data and smtpd.enable-smtputf8 are both true", "Set smtpd.decode-data=false");
    }

    @Test
    void proxyWithoutRemoteAddress(CapturedOutput output) {
        run("--smtpd.localaddr=127.0.0.1:0", "--smtpd.mode=proxy", "--smtpd.remoteaddr=");
        assertThat(output.getOut()).contains("APPLICATION FAILED TO START", "smtpd.remoteaddr is empty",
                "Set smtpd.remoteaddr to the upstream SMTP server");
    }

    @Test
    void unparsableLocalAddress(CapturedOutput output) {
        run("--smtpd.localaddr=127.0.0.1");
        assertThat(output.getOut()).contains("APPLICATION FAILED TO START", "because of smtpd.localaddr: '127.0.0.1' is not a valid",
                "Set smtpd.localaddr");
    }

    private static void run(String... args) {
        SpringApplication application = new SpringApplication(StarterApplication.class);
        assertThatException().isThrownBy(() -> application.run(args));
    }
}
