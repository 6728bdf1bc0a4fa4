package io.github.smtpd.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;

import io.github.smtpd.MessageProcessor;
import io.github.smtpd.SmtpAuthenticator;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.autoconfigure.SmtpdProperties.Mode;
import io.github.smtpd.autoconfigure.context.SmtpServerBootstrap;
import io.github.smtpd.autoconfigure.context.SmtpServerGracefulShutdown;
import io.github.smtpd.autoconfigure.context.SmtpdPortInfoApplicationListener;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import io.github.smtpd.autoconfigure.diagnostics.SmtpdModeUnavailableException;
import io.github.smtpd.autoconfigure.mode.SmtpdModeProfileEnvironmentPostProcessor;
import io.github.smtpd.autoconfigure.task.SmtpdTaskExecutorAutoConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContext;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Builds an {@link SmtpServer} from the {@code smtpd.*} properties and runs it with the application.
 *
 * <p>Who handles messages: an {@link SmtpHandler} bean when there is one (that is how a mode plugs in, and how
 * an application takes over MAIL and RCPT decisions); otherwise, in {@code smtpd.mode=default}, the
 * {@link MessageProcessor} beans in {@code @Order} order; {@link SmtpHandlerDecorator} beans then wrap it.
 * {@link SmtpServerListener} beans receive the server's events and {@link SmtpServerCustomizer} beans may change
 * the builder last.
 */
@AutoConfiguration(after = SmtpdTaskExecutorAutoConfiguration.class)
@ConditionalOnClass(SmtpServer.class)
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SmtpdProperties.class)
public final class SmtpdAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(SmtpdAutoConfiguration.class);

    /** Spring Boot's default for {@code spring.lifecycle.timeout-per-shutdown-phase}. */
    private static final Duration DEFAULT_SHUTDOWN_PHASE_TIMEOUT = Duration.ofSeconds(30);

    @Bean
    @ConditionalOnMissingBean
    SmtpServer smtpServer(SmtpdProperties properties,
            @Qualifier(SmtpdTaskExecutorAutoConfiguration.SMTPD_TASK_EXECUTOR_BEAN_NAME) ObjectProvider<Executor> executor,
            ObjectProvider<SmtpHandler> handler, ObjectProvider<MessageProcessor> processors,
            ObjectProvider<SmtpServerListener> listeners, ObjectProvider<SmtpServerCustomizer> customizers,
            ObjectProvider<SslBundles> sslBundles, ObjectProvider<SmtpAuthenticator> authenticator,
            ObjectProvider<SmtpHandlerDecorator> decorators, Environment environment) {
        SmtpdPropertiesMapper mapper = new SmtpdPropertiesMapper(properties);
        SmtpServer.Builder builder = SmtpServer.builder();
        try {
            mapper.applyTo(builder);
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.*", ex.getMessage(),
                    "Change the smtpd.* property the message names.", ex);
        }
        String bundle = properties.getSsl().getBundle();
        if (StringUtils.hasText(bundle)) {
            SslBundleContext context = SslBundleContext.of(sslBundles.getIfAvailable(), bundle.trim(), "smtpd.ssl.bundle",
                    "keystore");
            builder.sslContext(context).tlsProtocols(context.protocols()).tlsCiphers(context.ciphers());
        }
        SmtpAuthenticator auth = authenticator.getIfAvailable();
        if (auth != null) {
            builder.authenticator(auth);
        }
        else if (properties.getAuth().isRequired()) {
            throw new InvalidSmtpdPropertyException("smtpd.auth.required",
                    "AUTH is required but nothing can check passwords",
                    "Define an SmtpAuthenticator bean, or add Spring Security with an AuthenticationManager or "
                            + "UserDetailsService bean, or set smtpd.auth.required=false.", null);
        }
        // Without the executor auto-configuration (excluded, or a plain context) the core's own
        // thread-per-session pool is used, which keeps the same no-queue promise.
        executor.ifAvailable(builder::executor);
        SmtpHandler chosen = handler(properties.getMode(), handler, processors);
        for (SmtpHandlerDecorator decorator : decorators.orderedStream().toList()) {
            chosen = decorator.decorate(chosen);
        }
        builder.handler(chosen);
        String profile = (environment instanceof ConfigurableEnvironment configurable)
                ? SmtpdModeProfileEnvironmentPostProcessor.chosenBy(configurable) : null;
        if (profile != null) {
            // A mode nobody wrote down: say where it came from, once, and where messages go.
            logger.info("SMTP mode '{}' chosen by the active profile '{}' (smtpd.mode is not set); messages go to {}",
                    profile, profile, chosen);
        }
        listeners.orderedStream().forEach(builder::listener);
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        try {
            return builder.build();
        }
        catch (IllegalArgumentException ex) {
            // The builder names the setting; the properties are the place to change it.
            throw new InvalidSmtpdPropertyException("smtpd.*", ex.getMessage(),
                    "Change the smtpd.* property the message names (kebab-case in application.yml, e.g. maxSessions "
                            + "is smtpd.max-sessions).", ex);
        }
    }

    private static SmtpHandler handler(Mode mode, ObjectProvider<SmtpHandler> handler,
            ObjectProvider<MessageProcessor> processors) {
        SmtpHandler custom = handler.getIfAvailable();
        if (custom != null) {
            return custom;
        }
        // Debugging mode's printer is a MessageProcessor bean ordered first, so it joins the chain below.
        if (mode != Mode.DEFAULT && mode != Mode.DEBUGGING) {
            throw new SmtpdModeUnavailableException(mode.name().toLowerCase(Locale.ROOT));
        }
        List<MessageProcessor> chain = processors.orderedStream().toList();
        if (chain.isEmpty()) {
            return SmtpHandler.of(new DiscardingMessageProcessor());
        }
        logger.debug("SMTP messages go to {}", chain);
        return SmtpHandler.of(chain.size() == 1 ? chain.get(0) : new MessageProcessorChain(chain));
    }

    @Bean
    @ConditionalOnMissingBean
    SmtpServerBootstrap smtpServerBootstrap(SmtpServer smtpServer, SmtpdProperties properties,
            ApplicationContext applicationContext) {
        warnIfGraceOutlastsShutdownPhase(properties.getShutdownGracePeriod(), applicationContext.getEnvironment());
        return new SmtpServerBootstrap(smtpServer, properties.getShutdownGracePeriod(), applicationContext);
    }

    /**
     * Spring stops waiting for a lifecycle phase after {@code spring.lifecycle.timeout-per-shutdown-phase}; on
     * SIGTERM the JVM then exits and cuts the drain short. Clients keep unacknowledged mail, so nothing is lost,
     * but the grace period the user asked for is not honoured: say so at start-up rather than at shutdown.
     */
    private static void warnIfGraceOutlastsShutdownPhase(Duration grace, Environment environment) {
        Duration phaseTimeout = Binder.get(environment)
            .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
            .orElse(DEFAULT_SHUTDOWN_PHASE_TIMEOUT);
        if (grace.compareTo(phaseTimeout) >= 0) {
            logger.warn("smtpd.shutdown-grace-period ({}) is not shorter than spring.lifecycle.timeout-per-shutdown-phase "
                    + "({}): Spring may stop waiting before sessions finish. Raise the phase timeout or lower the grace "
                    + "period.", grace, phaseTimeout);
        }
    }

    @Bean
    @ConditionalOnMissingBean
    SmtpServerGracefulShutdown smtpServerGracefulShutdown(SmtpServerBootstrap smtpServerBootstrap) {
        return new SmtpServerGracefulShutdown(smtpServerBootstrap);
    }

    @Bean
    static SmtpdPortInfoApplicationListener smtpdPortInfoApplicationListener() {
        return new SmtpdPortInfoApplicationListener();
    }
}
