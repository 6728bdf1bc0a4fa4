package io.github.smtpd.capture.autoconfigure;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import io.github.smtpd.Cidr;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.github.smtpd.autoconfigure.actuate.endpoint.SmtpdEndpointWriteGuard;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import io.github.smtpd.capture.MessageStore;
import io.github.smtpd.capture.web.CaptureClientFilter;
import io.github.smtpd.capture.web.CaptureEvents;
import io.github.smtpd.capture.web.CaptureRelease;
import io.github.smtpd.capture.web.CaptureUiController;
import io.github.smtpd.capture.web.MailpitApiController;
import io.github.smtpd.relay.StartTls;
import io.github.smtpd.relay.UpstreamOptions;
import jakarta.servlet.Filter;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The catcher's Mailpit-compatible API under {@code smtpd.capture.web.base-path}/api and its UI at the base path,
 * in servlet applications while capture is on. Requests that change captured mail must name this server in
 * {@code Host} and come from its own pages ({@link SmtpdEndpointWriteGuard}); without Spring Security only
 * {@code smtpd.capture.web.allowed-clients} (loopback) are answered at all.
 */
@AutoConfiguration(after = SmtpdCaptureAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ DispatcherServlet.class, Filter.class })
@ConditionalOnBean(MessageStore.class)
@ConditionalOnBooleanProperty(name = "smtpd.capture.web.enabled", matchIfMissing = true)
public final class SmtpdCaptureWebAutoConfiguration {

    private static final String SECURITY_FILTER_CHAIN = "org.springframework.security.web.SecurityFilterChain";

    /** At most this many pages listen to live events at once. */
    private static final int MAX_EVENT_SUBSCRIBERS = 64;

    @Bean
    CaptureEvents smtpdCaptureEvents(MessageStore store) {
        return new CaptureEvents(store, MAX_EVENT_SUBSCRIBERS);
    }

    @Bean
    CaptureRelease smtpdCaptureRelease(SmtpdCaptureProperties properties, ObjectProvider<SmtpdProperties> smtpd) {
        SmtpdCaptureProperties.Release release = properties.getRelease();
        String heloName = heloName(smtpd.getIfAvailable());
        if (!StringUtils.hasText(release.getAddress())) {
            return new CaptureRelease(null, null, heloName);
        }
        try {
            UpstreamOptions options = UpstreamOptions.builder().addresses(release.getAddress().trim())
                .startTls(StartTls.OPPORTUNISTIC).build();
            return new CaptureRelease(options, StringUtils.hasText(release.getSender()) ? release.getSender().trim()
                    : null, heloName);
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.capture.release.address", ex.getMessage(),
                    "Set smtpd.capture.release.address to the SMTP server to release messages to, as host:port.", ex);
        }
    }

    private static String heloName(SmtpdProperties smtpd) {
        if (smtpd != null && StringUtils.hasText(smtpd.getHostName())) {
            return smtpd.getHostName();
        }
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        }
        catch (UnknownHostException ex) {
            return "localhost";
        }
    }

    @Bean
    MailpitApiController smtpdMailpitApiController(MessageStore store, CaptureEvents events, CaptureRelease release,
            SmtpdCaptureProperties properties) {
        checkBasePath(properties.getWeb().getBasePath());
        return new MailpitApiController(store, events, release);
    }

    @Bean
    CaptureUiController smtpdCaptureUiController() {
        return new CaptureUiController();
    }

    @Bean
    FilterRegistrationBean<SmtpdEndpointWriteGuard> smtpdCaptureWriteGuard(SmtpdCaptureProperties properties) {
        SmtpdCaptureProperties.Web web = properties.getWeb();
        FilterRegistrationBean<SmtpdEndpointWriteGuard> registration = new FilterRegistrationBean<>(
                new SmtpdEndpointWriteGuard(web.getAllowedHosts(), "smtpd.capture.web.allowed-hosts"));
        registration.addUrlPatterns(web.getBasePath() + "/*");
        registration.setName("smtpdCaptureWriteGuard");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /**
     * Without Spring Security, the catcher answers only the clients it allows (loopback by default); with it, the
     * application's security rules decide.
     */
    @Bean
    FilterRegistrationBean<CaptureClientFilter> smtpdCaptureClientFilter(SmtpdCaptureProperties properties,
            ListableBeanFactory beans) {
        SmtpdCaptureProperties.Web web = properties.getWeb();
        List<Cidr> allowed = new ArrayList<>();
        for (String network : web.getAllowedClients()) {
            try {
                allowed.add(Cidr.parse(network.trim()));
            }
            catch (IllegalArgumentException ex) {
                throw new InvalidSmtpdPropertyException("smtpd.capture.web.allowed-clients", ex.getMessage(),
                        "List client networks in CIDR notation, e.g. 127.0.0.0/8 or 10.0.0.0/8.", ex);
            }
        }
        FilterRegistrationBean<CaptureClientFilter> registration = new FilterRegistrationBean<>(
                new CaptureClientFilter(allowed, () -> hasSecurityFilterChain(beans)));
        registration.addUrlPatterns(web.getBasePath(), web.getBasePath() + "/*");
        registration.setName("smtpdCaptureClientFilter");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 5);
        return registration;
    }

    private static boolean hasSecurityFilterChain(ListableBeanFactory beans) {
        if (!ClassUtils.isPresent(SECURITY_FILTER_CHAIN, SmtpdCaptureWebAutoConfiguration.class.getClassLoader())) {
            return false;
        }
        Class<?> type = ClassUtils.resolveClassName(SECURITY_FILTER_CHAIN,
                SmtpdCaptureWebAutoConfiguration.class.getClassLoader());
        return beans.getBeanNamesForType(type, false, false).length > 0;
    }

    static void checkBasePath(String basePath) {
        if (basePath == null || !basePath.startsWith("/") || basePath.endsWith("/")
                || !basePath.matches("[A-Za-z0-9/._~-]+")) {
            throw new InvalidSmtpdPropertyException("smtpd.capture.web.base-path",
                    "'" + basePath + "' is not a usable base path",
                    "Set smtpd.capture.web.base-path to a path that starts with / and does not end with one, e.g. "
                            + "/smtpd or /mail.", null);
        }
    }
}
