package io.github.smtpd.autoconfigure;

import java.time.Duration;
import java.util.Locale;

import io.github.smtpd.Cidr;
import io.github.smtpd.HostPort;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdAddressException;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import io.github.smtpd.autoconfigure.diagnostics.MissingRemoteAddressException;
import io.github.smtpd.autoconfigure.diagnostics.SmtpUtf8WithDecodeDataException;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * Checks {@link SmtpdProperties} and copies them onto an {@link SmtpServer.Builder}.
 *
 * <p>The checks run before anything is built so that a mistake surfaces as an exception naming the property,
 * which a failure analyzer turns into advice, rather than as the builder's generic message.
 */
final class SmtpdPropertiesMapper {

    private final SmtpdProperties properties;

    private final String remoteAddress;

    /**
     * @throws SmtpUtf8WithDecodeDataException when both are on
     * @throws InvalidSmtpdAddressException when an address is not host:port
     * @throws MissingRemoteAddressException when a relaying mode has no upstream
     */
    SmtpdPropertiesMapper(SmtpdProperties properties) {
        this.properties = properties;
        if (properties.isDecodeData() && properties.isEnableSmtputf8()) {
            throw new SmtpUtf8WithDecodeDataException();
        }
        parse("smtpd.localaddr", properties.getLocaladdr());
        // Several upstreams may be listed, tried in order by the relay modes; processors see the first.
        java.util.List<String> remotes = SmtpdProperties.remoteAddresses(properties.getRemoteaddr());
        remotes.forEach((remote) -> parse("smtpd.remoteaddr", remote));
        this.remoteAddress = remotes.isEmpty() ? null : remotes.get(0);
        if (remoteAddress != null) {
            parse("smtpd.remoteaddr", remoteAddress);
        }
        else if (properties.getMode().isRelaying()) {
            throw new MissingRemoteAddressException(properties.getMode().name().toLowerCase(Locale.ROOT));
        }
        if (StringUtils.hasText(properties.getSsl().getImplicitLocaladdr())) {
            parse("smtpd.ssl.implicit-localaddr", properties.getSsl().getImplicitLocaladdr());
        }
        this.trustedProxies = properties.getProxyProtocol().getTrustedProxies().isEmpty() ? null
                : properties.getProxyProtocol().getTrustedProxies().stream().map(SmtpdPropertiesMapper::cidr).toList();
        // The clients trusted to relay are trusted not to flood too, as Postfix's $mynetworks is the default of
        // smtpd_client_event_limit_exceptions; the relay modes report a bad entry under the same property.
        this.clientLimitExceptions = properties.getRelay().getTrustedNetworks().stream()
            .filter(StringUtils::hasText)
            .map(SmtpdPropertiesMapper::trustedNetwork)
            .toList();
        if (properties.getSsl().isRequired() && !StringUtils.hasText(properties.getSsl().getBundle())) {
            throw new InvalidSmtpdPropertyException("smtpd.ssl.required", "TLS is required but no certificate is set",
                    "Set smtpd.ssl.bundle to the name of an SSL bundle (spring.ssl.bundle.*) with the server's "
                            + "certificate, or set smtpd.ssl.required=false.", null);
        }
        if (StringUtils.hasText(properties.getSsl().getImplicitLocaladdr())
                && !StringUtils.hasText(properties.getSsl().getBundle())) {
            throw new InvalidSmtpdPropertyException("smtpd.ssl.implicit-localaddr",
                    "an implicit TLS listener needs a certificate",
                    "Set smtpd.ssl.bundle to the name of an SSL bundle with the server's certificate, or remove "
                            + "smtpd.ssl.implicit-localaddr.", null);
        }
    }

    private final java.util.List<Cidr> trustedProxies;

    private final java.util.List<Cidr> clientLimitExceptions;

    private static Cidr trustedNetwork(String text) {
        try {
            return Cidr.parse(text.strip());
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.relay.trusted-networks", ex.getMessage(),
                    "List the trusted client networks in CIDR notation, e.g. 127.0.0.0/8, ::1/128 or 10.0.0.0/8.", ex);
        }
    }

    private static Cidr cidr(String text) {
        try {
            return Cidr.parse(text);
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.proxy-protocol.trusted-proxies", ex.getMessage(),
                    "List the load balancers' networks in CIDR notation, e.g. 10.0.0.0/8 or 192.0.2.10, or leave "
                            + "smtpd.proxy-protocol.trusted-proxies empty to turn the PROXY protocol off.", ex);
        }
    }

    private static HostPort parse(String property, String value) {
        try {
            return HostPort.parse(value);
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidSmtpdAddressException(property, value, ex);
        }
    }

    void applyTo(SmtpServer.Builder builder) {
        PropertyMapper map = PropertyMapper.get();
        map.from(properties::getLocaladdr).to(builder::localAddress);
        map.from(remoteAddress).to(builder::remoteAddress);
        map.from(properties::getDataSizeLimit).as(DataSize::toBytes).to(builder::dataSizeLimit);
        map.from(properties::isEnableSmtputf8).to(builder::enableSmtpUtf8);
        map.from(properties::isDecodeData).to(builder::decodeData);
        map.from(properties::getHostName).whenHasText().to(builder::hostName);
        map.from(properties::getMaxSessions).to(builder::maxSessions);
        map.from(properties::getMaxSessionsPerClient).to(builder::maxSessionsPerClient);
        map.from(clientLimitExceptions).to(builder::clientLimitExceptions);
        map.from(properties::getMaxRecipients).to(builder::maxRecipients);
        map.from(properties::getMaxBadCommands).to(builder::maxBadCommands);
        map.from(properties::getIdleTimeout).to(builder::idleTimeout);
        map.from(properties::getStressTimeout).to(builder::stressTimeout);
        map.from(properties::getMinDataRate).to(builder::minDataRate);
        map.from(properties::getSpoolThreshold).as(SmtpdPropertiesMapper::spoolThresholdBytes).to(builder::spoolThreshold);
        map.from(properties::getSpoolDirectory).to(builder::spoolDirectory);
        map.from(properties::getBacklog).to(builder::backlog);
        map.from(properties::getDataTimeout).to(builder::dataTimeout);
        map.from(properties::getProtocol).to(builder::protocol);
        map.from(properties::isEnhancedStatusCodes).to(builder::enhancedStatusCodes);
        map.from(properties::isReceivedHeader).to(builder::receivedHeader);
        map.from(properties::isNonBlockingProcessors).to(builder::nonBlockingProcessors);
        map.from(properties::getEventLoops).to(builder::eventLoops);
        map.from(properties::getLineEndingPolicy).to(builder::lineEndingPolicy);
        map.from(properties::getMaxDataLineLength).to(builder::maxDataLineLength);
        map.from(trustedProxies).to(builder::proxyProtocol);
        map.from(properties.getSsl()::isRequired).to(builder::requireTls);
        map.from(properties.getSsl()::getImplicitLocaladdr).whenHasText().to(builder::implicitTlsAddress);
        map.from(properties.getSsl()::getClientAuth).to(builder::tlsClientAuth);
        map.from(properties.getAuth()::isRequired).to(builder::requireAuth);
        map.from(properties.getAuth()::isAllowPlaintext).to(builder::allowPlaintextAuth);
        map.from(properties.getAuth()::getFailureDelay).to(builder::authFailureDelay);
        if (properties.getAuth().getMaxFailuresPerClient() < 0) {
            throw new InvalidSmtpdPropertyException("smtpd.auth.max-failures-per-client", "it is negative",
                    "Set it to the failed AUTH attempts a client address may make per failure-window, or 0 for no "
                            + "limit.", null);
        }
        Duration window = properties.getAuth().getFailureWindow();
        if (window == null || window.isNegative() || window.isZero()) {
            throw new InvalidSmtpdPropertyException("smtpd.auth.failure-window", "it is not positive",
                    "Set it to a duration such as 10m.", null);
        }
        builder.authFailureLimit(properties.getAuth().getMaxFailuresPerClient(), window);
    }

    private static int spoolThresholdBytes(DataSize size) {
        long bytes = size.toBytes();
        if (bytes > Integer.MAX_VALUE) {
            // Memory kept per message: more than 2GB per message is never what someone meant.
            throw new IllegalArgumentException("smtpd.spool-threshold must be below 2GB, was " + size);
        }
        return (int) bytes;
    }
}
