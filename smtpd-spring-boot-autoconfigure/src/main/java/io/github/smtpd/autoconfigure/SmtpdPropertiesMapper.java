package io.github.smtpd.autoconfigure;

import java.util.Locale;

import io.github.smtpd.HostPort;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdAddressException;
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
        this.remoteAddress = StringUtils.hasText(properties.getRemoteaddr()) ? properties.getRemoteaddr().trim() : null;
        if (remoteAddress != null) {
            parse("smtpd.remoteaddr", remoteAddress);
        }
        else if (properties.getMode().needsRemoteAddress()) {
            throw new MissingRemoteAddressException(properties.getMode().name().toLowerCase(Locale.ROOT));
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
        map.from(properties::getMaxRecipients).to(builder::maxRecipients);
        map.from(properties::getMaxBadCommands).to(builder::maxBadCommands);
        map.from(properties::getIdleTimeout).to(builder::idleTimeout);
        map.from(properties::getSpoolThreshold).as(SmtpdPropertiesMapper::spoolThresholdBytes).to(builder::spoolThreshold);
        map.from(properties::getSpoolDirectory).to(builder::spoolDirectory);
        map.from(properties::getBacklog).to(builder::backlog);
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
