package io.github.smtpd.testing.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * Gives a {@code @SpringBootTest} a real SMTP server on a free port of 127.0.0.1 that captures every message, and
 * points the application's {@code JavaMailSender} at it:
 * <pre>{@code
 * @SpringBootTest
 * @AutoConfigureSmtpd
 * class SignUpTests {
 *
 *     @Autowired SignUpService signUp;          // sends mail with JavaMailSender
 *     @Autowired CapturedMail mail;
 *
 *     @Test
 *     void sendsTheWelcomeMail() {
 *         signUp.register("alice@example.org");
 *         assertThat(mail.awaitMessage()).hasSubject("Welcome").hasRecipient("alice@example.org");
 *     }
 * }
 * }</pre>
 * <ul>
 * <li>With the smtpd starter in the application, its own server is used (on a free port whatever
 * {@code smtpd.localaddr} says), and messages are captured beside the application's processors; without it, a
 * server of the test's own.</li>
 * <li>{@code spring.mail.host} and {@code spring.mail.port} (and the {@code spring.mail.properties.*} STARTTLS
 * needs) point at it, and the {@code JavaMailSender} follows the server when a cached context is restarted on
 * another port.</li>
 * <li>{@link io.github.smtpd.testing.CapturedMail} is a bean: the messages, waiting for them, and the failure
 * controls. It is cleared before each test method.</li>
 * </ul>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration(SmtpdTestAutoConfiguration.class)
public @interface AutoConfigureSmtpd {

    /** Offer STARTTLS with a self-signed certificate, and make {@code JavaMailSender} require and trust it. */
    boolean startTls() default false;

    /** With {@link #password()}: offer AUTH with these credentials, and give them to {@code JavaMailSender}. */
    String username() default "";

    /** See {@link #username()}. */
    String password() default "";
}
