package io.github.smtpd.autoconfigure.mode;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;

/**
 * Lets a profile choose the mode, in any application with the starter: when a profile named {@code debugging},
 * {@code proxy} or {@code mailman} is active and {@code smtpd.mode} is set nowhere, that profile's mode is used, as
 * the lowest-precedence property source, {@value #PROPERTY_SOURCE_NAME}. An explicit {@code smtpd.mode} wins. Two
 * such profiles at once, with no explicit mode, are a mistake that fails the start.
 *
 * <p>It runs after the config data ({@code application-<profile>.yml} files), which activate profiles and may set
 * the mode themselves.
 */
public class SmtpdModeProfileEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    /** The property source holding the mode a profile chose. */
    public static final String PROPERTY_SOURCE_NAME = "smtpdModeFromProfile";

    private static final List<String> MODE_PROFILES = List.of("debugging", "proxy", "mailman");

    @Override
    public int getOrder() {
        return ConfigDataEnvironmentPostProcessor.ORDER + 1;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty("smtpd.mode")
                || !environment.getProperty("smtpd.enabled", Boolean.class, true)) {
            return;
        }
        List<String> modes = Arrays.stream(environment.getActiveProfiles()).filter(MODE_PROFILES::contains)
            .distinct()
            .toList();
        if (modes.size() > 1) {
            throw new InvalidSmtpdPropertyException("spring.profiles.active",
                    "the profiles " + String.join(" and ", modes) + " each choose an SMTP mode",
                    "Activate one of " + String.join(", ", modes) + ", or set smtpd.mode to the one you want.", null);
        }
        if (modes.size() == 1) {
            environment.getPropertySources()
                .addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, Map.of("smtpd.mode", modes.get(0))));
        }
    }

    /** The profile that chose the mode, or {@code null} when the mode came from somewhere else. */
    public static String chosenBy(ConfigurableEnvironment environment) {
        PropertySource<?> source = environment.getPropertySources().get(PROPERTY_SOURCE_NAME);
        if (source == null) {
            return null;
        }
        // Another source may have been added since, with a mode of its own.
        Object chosen = source.getProperty("smtpd.mode");
        return (chosen != null && chosen.equals(environment.getProperty("smtpd.mode"))) ? chosen.toString() : null;
    }
}
