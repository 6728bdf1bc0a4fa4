package io.github.smtpd.capture.autoconfigure;

import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.mode.SmtpdModeAutoConfiguration;
import io.github.smtpd.capture.web.CaptureClientFilter;
import io.github.smtpd.capture.web.MailpitApiController;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import static org.assertj.core.api.Assertions.assertThat;

class SmtpdCaptureWebAutoConfigurationTests {

    private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(SmtpdModeAutoConfiguration.class,
            SmtpdAutoConfiguration.class, SmtpdCaptureAutoConfiguration.class, SmtpdCaptureWebAutoConfiguration.class);

    private final WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0");

    @Test
    void servesTheApiAndUiWhileCapturing() {
        web.withPropertyValues("smtpd.mode=debugging").run((context) -> {
            assertThat(context).hasSingleBean(MailpitApiController.class);
            assertThat(context).hasBean("smtpdCaptureClientFilter").hasBean("smtpdCaptureWriteGuard");
            FilterRegistrationBean<?> filter = context.getBean("smtpdCaptureClientFilter", FilterRegistrationBean.class);
            assertThat(filter.getFilter()).isInstanceOf(CaptureClientFilter.class);
            assertThat(filter.getUrlPatterns()).containsExactly("/smtpd", "/smtpd/*");
        });
    }

    @Test
    void servesNothingWithoutCaptureOrWhenTurnedOff() {
        web.run((context) -> assertThat(context).doesNotHaveBean(MailpitApiController.class));
        web.withPropertyValues("smtpd.mode=debugging", "smtpd.capture.web.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(MailpitApiController.class));
    }

    @Test
    void servesNothingOutsideAWebApplication() {
        new ApplicationContextRunner().withConfiguration(CONFIGURATIONS)
            .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.mode=debugging")
            .run((context) -> assertThat(context).doesNotHaveBean(MailpitApiController.class));
    }

    @Test
    void aBasePathThatCannotBeMappedFailsWithAdvice() {
        web.withPropertyValues("smtpd.mode=debugging", "smtpd.capture.web.base-path=mail/").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("not a usable base path");
        });
    }

    @Test
    void aClientNetworkThatIsNotCidrFailsWithAdvice() {
        web.withPropertyValues("smtpd.mode=debugging", "smtpd.capture.web.allowed-clients=everyone").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("everyone");
        });
    }

    @Test
    void aReleaseAddressThatIsNotHostPortFailsWithAdvice() {
        web.withPropertyValues("smtpd.mode=debugging", "smtpd.capture.release.address=smtp.example.org:port")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("port");
            });
    }
}
