package io.github.smtpd.autoconfigure.context;

import io.github.smtpd.SmtpServer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEvent;

/**
 * Published once the {@link SmtpServer} listens, like Spring Boot's {@code WebServerInitializedEvent}: the
 * place to learn the actual port when {@code smtpd.localaddr} asked for port 0.
 */
public class SmtpServerInitializedEvent extends ApplicationEvent {

    private final transient ApplicationContext applicationContext;

    public SmtpServerInitializedEvent(SmtpServer server, ApplicationContext applicationContext) {
        super(server);
        this.applicationContext = applicationContext;
    }

    /** The running server; {@link SmtpServer#getPort()} is the bound port. */
    public SmtpServer getSmtpServer() {
        return (SmtpServer) getSource();
    }

    /** The context the server belongs to. */
    public ApplicationContext getApplicationContext() {
        return applicationContext;
    }
}
