package io.github.smtpd.autoconfigure.mode;

import java.util.List;

import io.github.smtpd.HostPort;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.SmtpdProperties;
import io.github.smtpd.autoconfigure.SslBundleContext;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import io.github.smtpd.autoconfigure.diagnostics.MissingRemoteAddressException;
import io.github.smtpd.mode.DebuggingMode;
import io.github.smtpd.mode.MailmanMode;
import io.github.smtpd.mode.MailmanOptions;
import io.github.smtpd.mode.ProxyMode;
import io.github.smtpd.mode.ProxyOptions;
import io.github.smtpd.relay.UpstreamOptions;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.util.StringUtils;

/**
 * Makes the handler of the mode chosen with {@code smtpd.mode}: a {@link DebuggingMode} that prints each message
 * before the application's processors see it, a {@link ProxyMode}, or a {@link MailmanMode}. An application's own
 * {@code SmtpHandler} bean replaces the proxy and mailman handlers.
 */
@AutoConfiguration(before = SmtpdAutoConfiguration.class)
@ConditionalOnClass(SmtpServer.class)
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SmtpdProperties.class)
public final class SmtpdModeAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(name = "smtpd.mode", havingValue = "debugging")
    DebuggingOutput smtpdDebuggingOutput(SmtpdProperties properties) {
        return DebuggingOutput.of(properties.getDebugging().getOutput());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(name = "smtpd.mode", havingValue = "debugging")
    @Order(Ordered.HIGHEST_PRECEDENCE)
    DebuggingMode smtpdDebuggingMode(SmtpdProperties properties, DebuggingOutput output) {
        SmtpdProperties.Debugging debugging = properties.getDebugging();
        long maxContent = debugging.getMaxContentSize().toBytes();
        try {
            return DebuggingMode.builder().output(output.stream()).capacity(debugging.getCapacity())
                .maxContentBytes((int) Math.min(Integer.MAX_VALUE, maxContent)).build();
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.debugging.*", ex.getMessage(),
                    "Set smtpd.debugging.capacity and smtpd.debugging.max-content-size to positive values.", ex);
        }
    }

    @Bean
    @ConditionalOnMissingBean(io.github.smtpd.SmtpHandler.class)
    @ConditionalOnProperty(name = "smtpd.mode", havingValue = "proxy")
    ProxyMode smtpdProxyMode(SmtpdProperties properties, ObjectProvider<SslBundles> sslBundles) {
        return new ProxyMode(proxyOptions(properties, sslBundles.getIfAvailable()));
    }

    @Bean
    @ConditionalOnMissingBean(io.github.smtpd.SmtpHandler.class)
    @ConditionalOnProperty(name = "smtpd.mode", havingValue = "mailman")
    MailmanMode smtpdMailmanMode(SmtpdProperties properties, ObjectProvider<SslBundles> sslBundles) {
        SmtpdProperties.Mailman mailman = properties.getMailman();
        if (mailman.getListDomains().isEmpty()) {
            throw new InvalidSmtpdPropertyException("smtpd.mailman.list-domains", "mailman mode needs list domains",
                    "Set smtpd.mailman.list-domains to the domains of your Mailman lists, e.g. lists.example.org.",
                    null);
        }
        try {
            HostPort.parse(mailman.getLmtpAddress());
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.mailman.lmtp-address", ex.getMessage(),
                    "Set smtpd.mailman.lmtp-address to Mailman's LMTP address as host:port, by default "
                            + MailmanOptions.DEFAULT_LMTP_ADDRESS + ".", ex);
        }
        MailmanOptions options = MailmanOptions.builder().lmtpAddress(mailman.getLmtpAddress())
            .listDomains(mailman.getListDomains()).listNames(mailman.getListNames())
            .relay(proxyOptions(properties, sslBundles.getIfAvailable())).build();
        return new MailmanMode(options);
    }

    @Bean
    @Conditional(RelayModeCondition.class)
    @ConditionalOnMissingBean
    UpstreamReachabilityCheck smtpdUpstreamReachabilityCheck(SmtpdProperties properties) {
        List<HostPort> upstreams = new java.util.ArrayList<>();
        for (String address : SmtpdProperties.remoteAddresses(properties.getRemoteaddr())) {
            try {
                upstreams.add(HostPort.parse(address));
            }
            catch (IllegalArgumentException ex) {
                // The server's own bean reports a bad address, naming the property.
            }
        }
        return new UpstreamReachabilityCheck("smtpd.remoteaddr", upstreams, properties.getRelay().getConnectTimeout());
    }

    static ProxyOptions proxyOptions(SmtpdProperties properties, SslBundles sslBundles) {
        String remote = properties.getRemoteaddr();
        if (!StringUtils.hasText(remote)) {
            throw new MissingRemoteAddressException(properties.getMode().name().toLowerCase(java.util.Locale.ROOT));
        }
        SmtpdProperties.Relay relay = properties.getRelay();
        List<String> addresses = SmtpdProperties.remoteAddresses(remote);
        UpstreamOptions.Builder upstream = UpstreamOptions.builder();
        try {
            upstream.addresses(addresses).startTls(relay.getStarttls()).connectTimeout(relay.getConnectTimeout())
                .timeout(relay.getTimeout()).dataTimeout(relay.getDataTimeout());
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.remoteaddr", ex.getMessage(),
                    "Set smtpd.remoteaddr to the upstream as host:port, several separated by commas.", ex);
        }
        String helo = StringUtils.hasText(relay.getHeloName()) ? relay.getHeloName() : properties.getHostName();
        if (StringUtils.hasText(helo)) {
            upstream.heloName(helo);
        }
        if (StringUtils.hasText(relay.getUsername())) {
            upstream.credentials(relay.getUsername(), relay.getPassword() != null ? relay.getPassword() : "");
        }
        if (StringUtils.hasText(relay.getSslBundle())) {
            // Asked for at each new upstream connection: a reloaded bundle takes effect without a restart.
            upstream.sslContext(SslBundleContext.of(sslBundles, relay.getSslBundle().trim(), "smtpd.relay.ssl-bundle",
                    "truststore"));
        }
        try {
            return ProxyOptions.builder().upstream(upstream.build()).trustedNetworks(relay.getTrustedNetworks())
                .relayDomains(relay.getDomains()).authenticatedClientsMayRelay(relay.isAuthenticatedClientsMayRelay())
                .peerHeader(relay.isPeerHeader()).build();
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.relay.trusted-networks", ex.getMessage(),
                    "List the client networks allowed to relay in CIDR notation, e.g. 127.0.0.0/8 or 10.0.0.0/8.",
                    ex);
        }
    }
}
