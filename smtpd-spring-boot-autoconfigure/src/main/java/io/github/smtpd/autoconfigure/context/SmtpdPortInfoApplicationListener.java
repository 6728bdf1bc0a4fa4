package io.github.smtpd.autoconfigure.context;

import java.util.HashMap;
import java.util.Map;

import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

/**
 * Publishes the bound port as the {@value #PROPERTY_NAME} environment property, the way Spring Boot publishes
 * {@code local.server.port}, so tests can listen on port 0 and read the port with {@link LocalSmtpdPort}.
 * The property goes into the same {@code server.ports} property source Boot uses, and up to parent contexts.
 */
public class SmtpdPortInfoApplicationListener implements ApplicationListener<SmtpServerInitializedEvent> {

    /** The property that holds the port the SMTP server listens on. */
    public static final String PROPERTY_NAME = "local.smtpd.port";

    private static final String PROPERTY_SOURCE_NAME = "server.ports";

    @Override
    public void onApplicationEvent(SmtpServerInitializedEvent event) {
        setPort(event.getApplicationContext(), event.getSmtpServer().getPort());
    }

    private static void setPort(ApplicationContext context, int port) {
        if (context instanceof ConfigurableApplicationContext configurable) {
            MutablePropertySources sources = configurable.getEnvironment().getPropertySources();
            PropertySource<?> source = sources.get(PROPERTY_SOURCE_NAME);
            if (source == null) {
                source = new MapPropertySource(PROPERTY_SOURCE_NAME, new HashMap<>());
                sources.addFirst(source);
            }
            if (source.getSource() instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> ports = (Map<String, Object>) map;
                ports.put(PROPERTY_NAME, port);
            }
        }
        if (context.getParent() != null) {
            setPort(context.getParent(), port);
        }
    }
}
