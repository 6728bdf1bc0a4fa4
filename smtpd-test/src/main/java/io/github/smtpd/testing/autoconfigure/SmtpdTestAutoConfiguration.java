package io.github.smtpd.testing.autoconfigure;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.testing.CapturedMail;
import io.github.smtpd.testing.TestServers;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;

/**
 * What {@link AutoConfigureSmtpd} adds to a test's context: the {@link CapturedMail} bean, the capture and failure
 * injection around the application's own server when it has the smtpd starter (or a server of the test's own when
 * it has not), and the lifecycle that points {@code JavaMailSender} at it.
 */
@AutoConfiguration(afterName = "io.github.smtpd.autoconfigure.SmtpdAutoConfiguration")
public class SmtpdTestAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    CapturedMail smtpdCapturedMail() {
        return new CapturedMail();
    }

    @Bean
    SmtpdTestLifecycle smtpdTestLifecycle(CapturedMail mail, ApplicationContext context,
            ConfigurableEnvironment environment) {
        return new SmtpdTestLifecycle(mail, context, environment);
    }

    /** An application without the smtpd starter: the test's own server. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(SmtpServer.class)
    static class OwnServer {

        @Bean
        SmtpServer smtpdTestServer(CapturedMail mail, Environment environment) {
            SmtpServer.Builder builder = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("localhost")
                .receivedHeader(false).maxSessionsPerClient(0).handler(TestServers.capturing(mail, null));
            TestServers.configure(builder, mail, environment.getProperty("smtpd.test.start-tls", Boolean.class, false),
                    environment.getProperty("smtpd.test.username"), environment.getProperty("smtpd.test.password"));
            return builder.build();
        }
    }

    /** An application with the smtpd starter: its server, on a free port, capturing beside its processors. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.github.smtpd.autoconfigure.SmtpServerCustomizer")
    static class StarterServer {

        @Bean
        io.github.smtpd.autoconfigure.SmtpServerCustomizer smtpdTestServerCustomizer(CapturedMail mail,
                Environment environment) {
            return (builder) -> TestServers.configure(builder, mail,
                    environment.getProperty("smtpd.test.start-tls", Boolean.class, false),
                    environment.getProperty("smtpd.test.username"), environment.getProperty("smtpd.test.password"));
        }

        /** Innermost: the application's handler answers, and what it accepts is captured. */
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        io.github.smtpd.autoconfigure.SmtpHandlerDecorator smtpdTestCapture(CapturedMail mail) {
            return (handler) -> TestServers.capturing(mail, handler);
        }
    }
}
