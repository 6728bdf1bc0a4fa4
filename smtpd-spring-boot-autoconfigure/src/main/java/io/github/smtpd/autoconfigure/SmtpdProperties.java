package io.github.smtpd.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code smtpd.*} properties: Python smtpd's {@code SMTPServer} arguments plus the limits this server adds.
 *
 * <p>The field comments become the descriptions in the generated configuration metadata, so IDEs show them.
 */
@ConfigurationProperties("smtpd")
public class SmtpdProperties {

    /**
     * Whether to start the SMTP server with the application.
     */
    private boolean enabled = true;

    /**
     * Address to listen on, as host:port (smtpd's localaddr). Write IPv6 addresses in brackets, e.g.
     * [::1]:2525. Port 0 picks a free port, published as local.smtpd.port.
     */
    private String localaddr = "localhost:8025";

    /**
     * Upstream server as host:port (smtpd's remoteaddr). The proxy and mailman modes relay to it; in the
     * default mode processors can read it from Message.remoteAddress(). Empty for none.
     */
    private String remoteaddr = "localhost:25";

    /**
     * Largest accepted message, advertised with the SIZE extension and enforced while reading (smtpd's
     * data_size_limit). 0 means unlimited.
     */
    private DataSize dataSizeLimit = DataSize.ofMegabytes(32);

    /**
     * Whether to offer the SMTPUTF8 extension (smtpd's enable_SMTPUTF8). Cannot be combined with decode-data.
     */
    private boolean enableSmtputf8;

    /**
     * Whether message content is meant to be handled as UTF-8 text (smtpd's decode_data); 8BITMIME is then not
     * offered. Cannot be combined with enable-smtputf8.
     */
    private boolean decodeData;

    /**
     * What the server does with each message: 'default' calls the MessageProcessor beans, 'debugging' prints
     * messages, 'proxy' relays them to remoteaddr, 'mailman' hands list mail to Mailman.
     */
    private Mode mode = Mode.DEFAULT;

    /**
     * Host name in the greeting and the EHLO reply (smtpd's fqdn). Defaults to the machine's fully qualified
     * name.
     */
    private String hostName;

    /**
     * Most sessions at once; further connections are answered 421 and closed.
     */
    private int maxSessions = 1000;

    /**
     * Most sessions at once from one client IP address; further connections get 421. 0 for no limit.
     */
    private int maxSessionsPerClient = 50;

    /**
     * Most recipients in one message; further RCPT commands get 452.
     */
    private int maxRecipients = 1000;

    /**
     * Error replies a session may earn before it is closed with 421.
     */
    private int maxBadCommands = 20;

    /**
     * How long a client may stay silent, between commands or within DATA, before it gets 421 and is
     * disconnected.
     */
    private Duration idleTimeout = Duration.ofMinutes(5);

    /**
     * Message size kept in memory; larger messages are written to a temporary file in spool-directory.
     */
    private DataSize spoolThreshold = DataSize.ofMegabytes(1);

    /**
     * Directory for the temporary files of large messages. Defaults to the JVM's temporary directory
     * (java.io.tmpdir).
     */
    private Path spoolDirectory;

    /**
     * Length of the queue of connections the operating system holds before they are accepted.
     */
    private int backlog = 256;

    /**
     * How long shutdown waits for transactions in progress to finish before closing them with 421. Keep it
     * below spring.lifecycle.timeout-per-shutdown-phase (30s by default).
     */
    private Duration shutdownGracePeriod = Duration.ofSeconds(20);

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getLocaladdr() {
        return localaddr;
    }

    public void setLocaladdr(String localaddr) {
        this.localaddr = localaddr;
    }

    public String getRemoteaddr() {
        return remoteaddr;
    }

    public void setRemoteaddr(String remoteaddr) {
        this.remoteaddr = remoteaddr;
    }

    public DataSize getDataSizeLimit() {
        return dataSizeLimit;
    }

    public void setDataSizeLimit(DataSize dataSizeLimit) {
        this.dataSizeLimit = dataSizeLimit;
    }

    public boolean isEnableSmtputf8() {
        return enableSmtputf8;
    }

    public void setEnableSmtputf8(boolean enableSmtputf8) {
        this.enableSmtputf8 = enableSmtputf8;
    }

    public boolean isDecodeData() {
        return decodeData;
    }

    public void setDecodeData(boolean decodeData) {
        this.decodeData = decodeData;
    }

    public Mode getMode() {
        return mode;
    }

    public void setMode(Mode mode) {
        this.mode = mode;
    }

    public String getHostName() {
        return hostName;
    }

    public void setHostName(String hostName) {
        this.hostName = hostName;
    }

    public int getMaxSessions() {
        return maxSessions;
    }

    public void setMaxSessions(int maxSessions) {
        this.maxSessions = maxSessions;
    }

    public int getMaxSessionsPerClient() {
        return maxSessionsPerClient;
    }

    public void setMaxSessionsPerClient(int maxSessionsPerClient) {
        this.maxSessionsPerClient = maxSessionsPerClient;
    }

    public int getMaxRecipients() {
        return maxRecipients;
    }

    public void setMaxRecipients(int maxRecipients) {
        this.maxRecipients = maxRecipients;
    }

    public int getMaxBadCommands() {
        return maxBadCommands;
    }

    public void setMaxBadCommands(int maxBadCommands) {
        this.maxBadCommands = maxBadCommands;
    }

    public Duration getIdleTimeout() {
        return idleTimeout;
    }

    public void setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    public DataSize getSpoolThreshold() {
        return spoolThreshold;
    }

    public void setSpoolThreshold(DataSize spoolThreshold) {
        this.spoolThreshold = spoolThreshold;
    }

    public Path getSpoolDirectory() {
        return spoolDirectory;
    }

    public void setSpoolDirectory(Path spoolDirectory) {
        this.spoolDirectory = spoolDirectory;
    }

    public int getBacklog() {
        return backlog;
    }

    public void setBacklog(int backlog) {
        this.backlog = backlog;
    }

    public Duration getShutdownGracePeriod() {
        return shutdownGracePeriod;
    }

    public void setShutdownGracePeriod(Duration shutdownGracePeriod) {
        this.shutdownGracePeriod = shutdownGracePeriod;
    }

    /** The built-in servers of Python smtpd, plus the plain hook. */
    public enum Mode {

        /** smtpd's {@code SMTPServer}: every message goes to the application's MessageProcessor beans. */
        DEFAULT,

        /** smtpd's {@code DebuggingServer}: prints each message. */
        DEBUGGING,

        /** smtpd's {@code PureProxy}: relays each message to remoteaddr. */
        PROXY,

        /** smtpd's {@code MailmanProxy}: list mail to Mailman, the rest to remoteaddr. */
        MAILMAN;

        /** Whether the mode relays to {@code remoteaddr} and so can not work without one. */
        public boolean needsRemoteAddress() {
            return this == PROXY || this == MAILMAN;
        }
    }
}
