package io.github.smtpd.demo;

import io.github.smtpd.MessageProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The demo gateway: the starter's SMTP server, configured in {@code application.yml}, with one
 * {@link MessageProcessor} that logs and stores what arrives, and Actuator over HTTP.
 *
 * <p>Run with {@code java -jar demo-app/target/smtpd-demo-app.jar}; add {@code --spring.profiles.active=debugging},
 * {@code proxy} or {@code mailman} for smtpd's ready-made servers.
 */
@SpringBootApplication
@EnableConfigurationProperties(DemoProperties.class)
public class SmtpdDemoApplication {

    public static void main(String[] args) {
        SpringApplication.run(SmtpdDemoApplication.class, args);
    }

    @Bean
    EmlSpoolProcessor emlSpoolProcessor(DemoProperties properties) {
        return new EmlSpoolProcessor(properties.spoolDir());
    }
}
