package io.github.smtpd.capture.web.app;

import io.github.smtpd.MessageProcessor;
import io.github.smtpd.Reply;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** (In a package of its own so that its component scan finds none of the catcher's classes.) An application with the starter's parts and one processor, which refuses messages whose subject asks it to. */
@SpringBootApplication(proxyBeanMethods = false)
public class CaptureWebTestApplication {

    /** Spring Security's auto-configuration, on the test class path for one test, left out of the others. */
    public static final String WITHOUT_SECURITY = "spring.autoconfigure.exclude="
            + "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration";

    @Bean
    MessageProcessor refusingProcessor() {
        return (message) -> message.text().contains("Subject: refuse me") ? Reply.of(554, "5.7.1", "refused") : null;
    }
}
