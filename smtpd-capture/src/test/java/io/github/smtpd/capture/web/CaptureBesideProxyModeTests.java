package io.github.smtpd.capture.web;

import java.net.http.HttpResponse;
import java.util.List;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import io.github.smtpd.capture.web.app.CaptureWebTestApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** "Keep a copy and forward": proxy mode relays to a real upstream, and the catcher shows what it relayed. */
@SpringBootTest(classes = CaptureWebTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0", "smtpd.mode=proxy",
                "smtpd.capture.enabled=true", "smtpd.relay.starttls=disabled",
                CaptureWebTestApplication.WITHOUT_SECURITY })
class CaptureBesideProxyModeTests {

    private static final GreenMail upstream = new GreenMail(
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry registry) {
        if (!upstream.isRunning()) {
            upstream.start();
        }
        registry.add("smtpd.remoteaddr", () -> "127.0.0.1:" + upstream.getSmtp().getServerSetup().getPort());
    }

    @AfterAll
    static void stopUpstream() {
        upstream.stop();
    }

    @LocalSmtpdPort
    int smtpPort;

    @LocalServerPort
    int httpPort;

    @Test
    void keepsACopyOfWhatItForwarded() throws Exception {
        Mail.send(Mail.text(smtpPort, "forwarded and kept", "both places"));
        assertThat(upstream.waitForIncomingEmail(5000, 1)).isTrue();
        assertThat(upstream.getReceivedMessages()[0].getSubject()).isEqualTo("forwarded and kept");
        HttpResponse<String> list = new Http(httpPort).get("/smtpd/api/v1/messages");
        assertThat((List<String>) Http.read(list, "$.messages[*].Subject")).containsExactly("forwarded and kept");
    }
}
