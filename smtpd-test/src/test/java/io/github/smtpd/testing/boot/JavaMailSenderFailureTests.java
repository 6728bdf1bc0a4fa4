package io.github.smtpd.testing.boot;

import java.time.Duration;
import java.util.function.Consumer;

import io.github.smtpd.testing.CapturedMail;
import io.github.smtpd.testing.Failures;
import io.github.smtpd.testing.autoconfigure.AutoConfigureSmtpd;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.mail.MailSendException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each kind of injected failure, as Spring's JavaMailSender reports it: a MailSendException naming the cause. */
@SpringBootTest(properties = "spring.mail.properties.mail.smtp.timeout=500")
@AutoConfigureSmtpd
class JavaMailSenderFailureTests {

    @Autowired
    MailingApplication.SignUp signUp;

    @Autowired
    CapturedMail mail;

    @Test
    void aRefusedRecipient() {
        failsWith((failures) -> failures.rejectRcpt(null, "550 5.1.1 No such user"), "550");
    }

    @Test
    void aRecipientRefusedForNowOnce() {
        failsWith((failures) -> failures.rejectRcpt(null, "452 4.5.3 Too many recipients", 1), "452");
        // The next attempt goes through, as a retry would.
        signUp.register("alice@example.org");
        assertThat(mail.awaitMessage().recipients()).containsExactly("alice@example.org");
    }

    @Test
    void aRefusedSender() {
        failsWith((failures) -> failures.rejectMail("553 5.7.1 Sender rejected"), "553");
    }

    @Test
    void aRefusedDataCommand() {
        failsWith((failures) -> failures.rejectData("554 5.3.4 Not now"), "554");
    }

    @Test
    void aRefusedMessage() {
        failsWith((failures) -> failures.rejectMessage("451 4.3.0 Try again later"), "451");
    }

    @Test
    void aGreetingOf421() {
        failsWith(Failures::greetWith421, "421");
    }

    @Test
    void aConnectionDroppedAtData() {
        failsWith((failures) -> failures.dropConnectionAt("DATA"), null);
    }

    @Test
    void aServerTooSlowForTheClientsTimeout() {
        failsWith((failures) -> failures.delayReplies(Duration.ofSeconds(2)), null);
    }

    private void failsWith(Consumer<Failures> failure, String code) {
        failure.accept(mail.failures());
        assertThatThrownBy(() -> signUp.register("alice@example.org")).isInstanceOf(MailSendException.class)
            .satisfies((ex) -> {
                if (code != null) {
                    assertThat(ex).hasMessageContaining(code);
                }
            });
        assertThat(mail.messages()).isEmpty();
        mail.failures().reset();
    }
}
