package io.github.smtpd.testing.boot;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.smtpd.MessageProcessor;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Service;

/**
 * An application that sends mail with Spring's {@code JavaMailSender}, and (the smtpd starter being on this module's
 * test class path) also receives mail with a processor of its own.
 */
@SpringBootApplication
public class MailingApplication {

    final List<String> ownProcessorSaw = new CopyOnWriteArrayList<>();

    @Bean
    MessageProcessor ownProcessor() {
        return (message) -> {
            ownProcessorSaw.add(message.id());
            return null;
        };
    }

    @Service
    public static class SignUp {

        private final JavaMailSender sender;

        SignUp(JavaMailSender sender) {
            this.sender = sender;
        }

        public void register(String address) {
            SimpleMailMessage welcome = new SimpleMailMessage();
            welcome.setFrom("welcome@example.org");
            welcome.setTo(address);
            welcome.setSubject("Welcome");
            welcome.setText("Thanks for signing up, " + address + ".");
            sender.send(welcome);
        }
    }
}
