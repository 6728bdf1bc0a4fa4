package io.github.smtpd.starter;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.smtpd.MessageProcessor;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** The application the README promises: the starter, and one MessageProcessor bean. */
@SpringBootApplication
public class StarterApplication {

    final List<String> received = new CopyOnWriteArrayList<>();

    @Bean
    MessageProcessor inbox() {
        return (message) -> {
            received.add(message.mailFrom() + " -> " + message.rcptTos() + ": " + message.text());
            return null;
        };
    }
}
