package io.github.smtpd.capture.web;

import java.nio.file.Path;
import java.util.List;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.capture.web.app.CaptureWebTestApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** With smtpd.capture.path, captured mail is still there after the application restarts. */
class PersistentCaptureTests {

    @TempDir
    Path dir;

    @Test
    void capturedMailSurvivesARestart() throws Exception {
        String[] args = { "--server.address=127.0.0.1", "--server.port=0", "--smtpd.localaddr=127.0.0.1:0",
                "--smtpd.mode=debugging", "--smtpd.debugging.output=stderr",
                "--smtpd.capture.path=" + dir.resolve("mail.mv.db"), "--" + CaptureWebTestApplication.WITHOUT_SECURITY };
        try (ConfigurableApplicationContext first = start(args)) {
            Mail.send(Mail.text(first.getBean(SmtpServer.class).getPort(), "before the restart", "kept"));
        }
        try (ConfigurableApplicationContext second = start(args)) {
            Http http = new Http(((WebServerApplicationContext) second).getWebServer().getPort());
            assertThat((List<String>) Http.read(http.get("/smtpd/api/v1/messages"), "$.messages[*].Subject"))
                .containsExactly("before the restart");
            assertThat(http.get("/smtpd/api/v1/message/latest/raw").body()).contains("kept");
        }
    }

    private static ConfigurableApplicationContext start(String[] args) {
        return new SpringApplicationBuilder(CaptureWebTestApplication.class).run(args);
    }
}
