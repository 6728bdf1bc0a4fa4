package io.github.smtpd.testing.autoconfigure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * For a test class with {@link AutoConfigureSmtpd}: properties that win over the application's own, putting the
 * server on a free loopback port and {@code spring.mail.*} on the server. {@code spring.mail.port} is set once the
 * server has its port ({@link SmtpdTestLifecycle}).
 */
class SmtpdTestContextCustomizerFactory implements ContextCustomizerFactory {

    /** The property source holding what the test sets. */
    static final String PROPERTY_SOURCE_NAME = "smtpdTest";

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
            List<ContextConfigurationAttributes> configAttributes) {
        AutoConfigureSmtpd annotation = TestContextAnnotationUtils.findMergedAnnotation(testClass,
                AutoConfigureSmtpd.class);
        return annotation != null ? new Customizer(annotation.startTls(), annotation.username(), annotation.password())
                : null;
    }

    /** A record, so that contexts with the same settings are cached and shared as Spring's test support does. */
    private record Customizer(boolean startTls, String username, String password) implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("smtpd.enabled", "true");
            properties.put("smtpd.localaddr", "127.0.0.1:0");
            properties.put("smtpd.test.start-tls", Boolean.toString(startTls));
            properties.put("spring.mail.host", "127.0.0.1");
            if (startTls) {
                properties.put("spring.mail.properties.mail.smtp.starttls.enable", "true");
                properties.put("spring.mail.properties.mail.smtp.starttls.required", "true");
                // Trusts this host's certificate, the test's own; every other check stays on.
                properties.put("spring.mail.properties.mail.smtp.ssl.trust", "127.0.0.1");
            }
            if (!username.isEmpty()) {
                properties.put("smtpd.test.username", username);
                properties.put("smtpd.test.password", password);
                properties.put("spring.mail.username", username);
                properties.put("spring.mail.password", password);
            }
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
        }
    }
}
