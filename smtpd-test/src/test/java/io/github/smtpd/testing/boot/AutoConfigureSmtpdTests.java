package io.github.smtpd.testing.boot;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.testing.CapturedMail;
import io.github.smtpd.testing.autoconfigure.AutoConfigureSmtpd;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSenderImpl;

import static io.github.smtpd.testing.SmtpdAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Spring Boot application that sends mail, tested with no code for the wiring: the application's own smtpd
 * server (it has the starter) moves to a free port though smtpd.localaddr names a fixed one, JavaMailSender points
 * at it, and messages are captured beside the application's own processor.
 */
@SpringBootTest(properties = "smtpd.localaddr=0.0.0.0:2525")
@AutoConfigureSmtpd
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AutoConfigureSmtpdTests {

    @Autowired
    MailingApplication.SignUp signUp;

    @Autowired
    CapturedMail mail;

    @Autowired
    SmtpServer server;

    @Autowired
    Environment environment;

    @Autowired
    JavaMailSenderImpl sender;

    @Autowired
    MailingApplication application;

    @Autowired
    ConfigurableApplicationContext context;

    @Test
    @Order(1)
    void javaMailSenderReachesTheServerWithNoCode() {
        signUp.register("alice@example.org");
        assertThat(mail.awaitMessage()).hasSubject("Welcome").hasRecipient("alice@example.org")
            .hasSender("welcome@example.org").hasTextContaining("Thanks for signing up");
        assertThat(server.getLocalAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(server.getPort()).isNotEqualTo(2525).isEqualTo(mail.port());
        assertThat(environment.getProperty("spring.mail.host")).isEqualTo("127.0.0.1");
        assertThat(environment.getProperty("spring.mail.port", Integer.class)).isEqualTo(server.getPort());
        assertThat(sender.getPort()).isEqualTo(server.getPort());
        // The application's processor still ran, and the raw bytes lack the server's Received header.
        assertThat(application.ownProcessorSaw).contains(mail.messages().get(0).id());
        assertThat(mail.messages().get(0).rawText()).doesNotContain("Received:");
    }

    @Test
    @Order(3)
    void eachTestMethodStartsEmptyAndWithoutFailures() {
        // Whatever the other method captured or injected was cleared before this one.
        assertThat(mail.messages()).isEmpty();
        signUp.register("bob@example.org");
        assertThat(mail.awaitMessage()).hasRecipient("bob@example.org");
    }

    @Test
    @Order(2)
    void injectedFailuresReachJavaMailSenderAsARealServersWould() {
        mail.failures().rejectRcpt("nobody@example.org", "550 5.1.1 No such user");
        assertThatThrownBy(() -> signUp.register("nobody@example.org")).isInstanceOf(MailSendException.class)
            .hasMessageContaining("550");
        mail.failures().reset();
        mail.failures().rejectMessage("451 4.3.0 Try again later");
        assertThatThrownBy(() -> signUp.register("carol@example.org")).isInstanceOf(MailSendException.class)
            .hasMessageContaining("451");
        mail.failures().reset();
        mail.failures().greetWith421();
        assertThatThrownBy(() -> signUp.register("carol@example.org")).isInstanceOf(MailSendException.class);
        mail.failures().reset();
        signUp.register("carol@example.org");
        assertThat(mail.awaitMessage()).hasRecipient("carol@example.org");
        // Left on for the next method, which must find it cleared.
        mail.failures().rejectMail("550 5.7.1 Left over");
    }

    @Test
    void aCachedContextRestartedOnANewPortStillWorks() {
        // Spring pauses cached contexts it does not use and restarts them later: the server comes back on another
        // free port, and JavaMailSender follows it.
        int before = server.getPort();
        context.stop();
        assertThat(server.isRunning()).isFalse();
        try (java.net.ServerSocket hold = holdPort(before)) {
            context.start();
            assertThat(server.getPort()).isNotEqualTo(before);
        }
        catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        assertThat(sender.getPort()).isEqualTo(server.getPort());
        assertThat(environment.getProperty("spring.mail.port", Integer.class)).isEqualTo(server.getPort());
        signUp.register("dave@example.org");
        assertThat(mail.awaitMessage()).hasRecipient("dave@example.org");
    }

    /** Keeps the old port busy, so that the restarted server must take another one. */
    private static java.net.ServerSocket holdPort(int port) throws java.io.IOException {
        java.net.ServerSocket socket = new java.net.ServerSocket();
        socket.setReuseAddress(false);
        try {
            socket.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        }
        catch (java.io.IOException ex) {
            // Taken already by someone else: the server gets a new port either way.
        }
        return socket;
    }
}
