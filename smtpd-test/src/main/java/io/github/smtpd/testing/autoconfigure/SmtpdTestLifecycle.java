package io.github.smtpd.testing.autoconfigure;

import java.time.Duration;
import java.util.Map;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.testing.CapturedMail;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.util.ClassUtils;

/**
 * Runs just after the SMTP server has started (one phase after the starter's bootstrap, which runs in the web
 * servers' phase): gives {@link CapturedMail} the server, and points {@code spring.mail.port} and every
 * {@code JavaMailSenderImpl} at its port. It runs again each time Spring restarts a cached test context, whose
 * server then has a new port. A server of the test's own is started and stopped here too.
 */
class SmtpdTestLifecycle implements SmartLifecycle {

    /** The starter's {@code SmtpServerBootstrap.PHASE} plus one, without needing the starter. */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048 + 1;

    private static final String JAVA_MAIL_SENDER = "org.springframework.mail.javamail.JavaMailSenderImpl";

    private final CapturedMail mail;

    private final ApplicationContext context;

    private final ConfigurableEnvironment environment;

    private volatile boolean running;

    private volatile boolean ownServer;

    SmtpdTestLifecycle(CapturedMail mail, ApplicationContext context, ConfigurableEnvironment environment) {
        this.mail = mail;
        this.context = context;
        this.environment = environment;
    }

    @Override
    public void start() {
        SmtpServer server = context.getBean(SmtpServer.class);
        ownServer = context.containsBean("smtpdTestServer");
        if (ownServer) {
            server.start();
        }
        io.github.smtpd.testing.TestServers.attach(mail, server);
        int port = server.getPort();
        PropertySource<?> properties = environment.getPropertySources().get(SmtpdTestContextCustomizerFactory.PROPERTY_SOURCE_NAME);
        if (properties instanceof MapPropertySource map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> values = (Map<String, Object>) map.getSource();
            values.put("spring.mail.port", Integer.toString(port));
            values.put("local.smtpd.port", Integer.toString(port));
        }
        if (ClassUtils.isPresent(JAVA_MAIL_SENDER, getClass().getClassLoader())) {
            MailSenders.pointAt(context, "127.0.0.1", port);
        }
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (ownServer) {
            context.getBean(SmtpServer.class).stop(Duration.ZERO);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Kept apart so that the class loads only when spring-context-support is there. */
    private static final class MailSenders {

        static void pointAt(ApplicationContext context, String host, int port) {
            for (org.springframework.mail.javamail.JavaMailSenderImpl sender : context
                .getBeansOfType(org.springframework.mail.javamail.JavaMailSenderImpl.class)
                .values()) {
                sender.setHost(host);
                sender.setPort(port);
            }
        }
    }
}
