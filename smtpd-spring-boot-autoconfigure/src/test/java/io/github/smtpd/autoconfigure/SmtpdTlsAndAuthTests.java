package io.github.smtpd.autoconfigure;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import io.github.smtpd.MessageProcessor;
import io.github.smtpd.SmtpAuthenticator;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import io.github.smtpd.autoconfigure.security.SmtpdSecurityAutoConfiguration;
import io.github.smtpd.autoconfigure.security.SpringSecuritySmtpAuthenticator;
import io.github.smtpd.autoconfigure.testsupport.TestCertificates;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.jks.JksSslStoreBundle;
import org.springframework.boot.ssl.jks.JksSslStoreDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** STARTTLS from an SSL bundle (and its reload), and AUTH from an SmtpAuthenticator or Spring Security. */
class SmtpdTlsAndAuthTests {

    @TempDir
    static Path certificates;

    private static Path first;

    private static Path second;

    private final List<String> users = new CopyOnWriteArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, SmtpdSecurityAutoConfiguration.class,
                SmtpdAutoConfiguration.class))
        .withBean(MessageProcessor.class, () -> (message) -> {
            users.add(String.valueOf(message.authenticatedUser()));
            return null;
        })
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=tls.example.org");

    @BeforeAll
    static void makeCertificates() throws Exception {
        first = TestCertificates.keystore(certificates, "first");
        second = TestCertificates.keystore(certificates, "second");
    }

    private static String[] bundle(Path keystore) {
        return new String[] { "smtpd.ssl.bundle=mail", "spring.ssl.bundle.jks.mail.keystore.location=file:" + keystore,
                "spring.ssl.bundle.jks.mail.keystore.password=" + TestCertificates.PASSWORD,
                "spring.ssl.bundle.jks.mail.keystore.type=PKCS12" };
    }

    private static void send(int port, SSLSocketFactory trust, String user, String password) throws Exception {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(port));
        properties.put("mail.smtp.starttls.enable", "true");
        properties.put("mail.smtp.starttls.required", "true");
        properties.put("mail.smtp.ssl.socketFactory", trust);
        properties.put("mail.smtp.auth", Boolean.toString(user != null));
        MimeMessage mail = new MimeMessage(jakarta.mail.Session.getInstance(properties));
        mail.setFrom("alice@example.org");
        mail.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@example.org");
        mail.setText("hello");
        if (user != null) {
            Transport.send(mail, user, password);
        }
        else {
            Transport.send(mail);
        }
    }

    /** The subject of the certificate the server shows after STARTTLS. */
    private static String serverCertificate(int port, SSLSocketFactory trust) throws Exception {
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", port)) {
            plain.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            in.readLine();
            plain.getOutputStream().write("EHLO c\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null && line.charAt(3) == '-') {
                // skip the extensions
            }
            plain.getOutputStream().write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("220");
            try (SSLSocket ssl = (SSLSocket) trust.createSocket(plain, "127.0.0.1", port, true)) {
                ssl.startHandshake();
                return ((X509Certificate) ssl.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
            }
        }
    }

    @Test
    void anSslBundleTurnsOnStartTls() {
        runner.withPropertyValues(bundle(first)).run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            send(port, TestCertificates.trusting(first), null, null);
            assertThat(users).containsExactly("null");
            assertThat(context.getBean(SmtpServer.class).settings().sslContext()).isNotNull();
        });
    }

    @Test
    void aReloadedBundleServesTheNewCertificateToTheNextClient() {
        runner.withPropertyValues(bundle(first)).run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            SSLSocketFactory trust = TestCertificates.trusting(first, second);
            assertThat(serverCertificate(port, trust)).isEqualTo("CN=first");
            DefaultSslBundleRegistry registry = (DefaultSslBundleRegistry) context.getBean(SslBundles.class);
            registry.updateBundle("mail", SslBundle.of(new JksSslStoreBundle(
                    new JksSslStoreDetails("PKCS12", null, "file:" + second, TestCertificates.PASSWORD), null)));
            assertThat(serverCertificate(port, trust)).isEqualTo("CN=second");
        });
    }

    @Test
    void anUnknownBundleFailsClearly() {
        runner.withPropertyValues("smtpd.ssl.bundle=nope").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining(
                    InvalidSmtpdPropertyException.class.getName() + ": Invalid smtpd.ssl.bundle");
        });
    }

    @Test
    void anUnknownBundleNamesTheBundlesThereAreOrSaysThereAreNone() {
        runner.withPropertyValues("smtpd.ssl.bundle=missing").run((context) -> {
            assertThat(context).hasFailed();
            InvalidSmtpdPropertyException failure = findCause(context.getStartupFailure());
            assertThat(failure.getAdvice()).startsWith("This application defines no SSL bundle")
                .contains("spring.ssl.bundle.pem.missing.keystore").doesNotContain("[]");
        });
        runner.withPropertyValues(bundle(first)).withPropertyValues("smtpd.ssl.bundle=missing").run((context) -> {
            InvalidSmtpdPropertyException failure = findCause(context.getStartupFailure());
            assertThat(failure.getAdvice()).startsWith("Set smtpd.ssl.bundle to one of mail, or define");
        });
    }

    private static InvalidSmtpdPropertyException findCause(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidSmtpdPropertyException invalid) {
                return invalid;
            }
        }
        throw new AssertionError("No InvalidSmtpdPropertyException in " + failure);
    }

    @Test
    void requiringTlsWithoutABundleFailsClearly() {
        runner.withPropertyValues("smtpd.ssl.required=true").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("Invalid smtpd.ssl.required");
        });
    }

    @Test
    void anAuthenticatorBeanDecidesAuth() {
        runner.withPropertyValues(bundle(first))
            .withPropertyValues("smtpd.auth.required=true", "smtpd.auth.failure-delay=0s")
            .withBean(SmtpAuthenticator.class, () -> (session, user, password) ->
                    "alice".equals(user) && "secret".equals(password) ? "alice" : null)
            .run((context) -> {
                int port = context.getBean(SmtpServer.class).getPort();
                send(port, TestCertificates.trusting(first), "alice", "secret");
                assertThat(users).containsExactly("alice");
                assertThatThrownBy(() -> send(port, TestCertificates.trusting(first), "alice", "wrong"))
                    .isInstanceOf(AuthenticationFailedException.class);
                assertThat(context).doesNotHaveBean(SpringSecuritySmtpAuthenticator.class);
            });
    }

    @Test
    void springSecurityUsersAreMailUsersWhenThereIsNoAuthenticator() {
        runner.withPropertyValues(bundle(first))
            .withPropertyValues("smtpd.auth.required=true", "smtpd.auth.failure-delay=0s")
            .withUserConfiguration(SecurityUsers.class)
            .run((context) -> {
                assertThat(context).hasSingleBean(SpringSecuritySmtpAuthenticator.class);
                int port = context.getBean(SmtpServer.class).getPort();
                send(port, TestCertificates.trusting(first), "carol", "hunter2");
                assertThat(users).containsExactly("carol");
                assertThatThrownBy(() -> send(port, TestCertificates.trusting(first), "carol", "nope"))
                    .isInstanceOf(AuthenticationFailedException.class);
            });
    }

    @Test
    void twoAuthenticationManagersAndNoUserStoreLeaveAuthOffInsteadOfFailing() {
        runner.withBean("first", AuthenticationManager.class, () -> (authentication) -> authentication)
            .withBean("second", AuthenticationManager.class, () -> (authentication) -> authentication)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(context).doesNotHaveBean(SmtpAuthenticator.class);
            });
    }

    @Test
    void aDisabledServerMakesNoAuthenticator() {
        runner.withPropertyValues("smtpd.enabled=false").withUserConfiguration(SecurityUsers.class)
            .run((context) -> assertThat(context).doesNotHaveBean(SmtpAuthenticator.class));
    }

    @Test
    void withoutSpringSecurityThereIsNoDefaultAuthenticator() {
        runner.withClassLoader(new FilteredClassLoader(AuthenticationManager.class))
            .withUserConfiguration(SecurityUsers.class)
            .run((context) -> assertThat(context).doesNotHaveBean(SmtpAuthenticator.class));
    }

    @Test
    void requiringAuthWithoutAnAuthenticatorFailsClearly() {
        runner.withPropertyValues("smtpd.auth.required=true").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("Invalid smtpd.auth.required");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class SecurityUsers {

        @Bean
        UserDetailsService users() {
            return new InMemoryUserDetailsManager(User.withUsername("carol").password("{noop}hunter2").build());
        }
    }
}
