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
     * How long a client may take to send a command line, from when the server waits for it, before it gets 421
     * and is disconnected: a deadline, which bytes that arrive do not move (a line that never ends still ends).
     */
    private Duration idleTimeout = Duration.ofMinutes(5);

    /**
     * The shorter timeout that replaces idle-timeout and data-timeout while the server is under stress (sessions
     * at three quarters of max-sessions or more), as Postfix shortens its timeouts to 10s then.
     */
    private Duration stressTimeout = Duration.ofSeconds(10);

    /**
     * Bytes per second a client must keep up inside DATA and BDAT (Postfix's smtpd_min_data_rate): each byte
     * received moves the data-timeout deadline by 1/rate seconds. 0 = no minimum (data-timeout then measures
     * silence only).
     */
    private int minDataRate = 500;

    public Duration getStressTimeout() {
        return this.stressTimeout;
    }

    public void setStressTimeout(Duration stressTimeout) {
        this.stressTimeout = stressTimeout;
    }

    public int getMinDataRate() {
        return this.minDataRate;
    }

    public void setMinDataRate(int minDataRate) {
        this.minDataRate = minDataRate;
    }

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

    /**
     * How long a client may take to send a message's data (or a BDAT chunk) before it gets 421, plus 1/min-data-rate
     * seconds for each byte it sent; and how long it may stay silent within it (RFC 5321 4.5.3.2).
     */
    private Duration dataTimeout = Duration.ofMinutes(10);

    /**
     * Protocol to speak: 'smtp', or 'lmtp' (RFC 2033) for an LMTP endpoint with LHLO and one reply per recipient.
     */
    private io.github.smtpd.Protocol protocol = io.github.smtpd.Protocol.SMTP;

    /**
     * Whether to offer ENHANCEDSTATUSCODES and put RFC 3463 codes (e.g. 2.1.0) in every reply after EHLO.
     */
    private boolean enhancedStatusCodes = true;

    /**
     * Whether to prepend a Received: trace header (RFC 5321 4.4) to every accepted message.
     */
    private boolean receivedHeader = true;

    /**
     * Whether the message processors never block (no I/O, no locks), so that they may run on the event loop that
     * read the message instead of on the smtpd task executor. Saves two thread switches per message; a
     * processor that blocks would stall every session on the loop meanwhile.
     */
    private boolean nonBlockingProcessors;

    /**
     * Number of event loop threads serving the sessions, in the clear or under TLS. Defaults to half the available
     * processors, at least one.
     */
    private Integer eventLoops;

    /**
     * What to do with a bare CR or LF in message data: 'allow' keeps content byte-exact, 'reject' refuses the
     * message with 550 (for gateways in front of servers that might take a bare LF as a line ending). Only
     * CRLF.CRLF ends a message either way.
     */
    private io.github.smtpd.LineEndingPolicy lineEndingPolicy = io.github.smtpd.LineEndingPolicy.ALLOW;

    /**
     * Longest line allowed in message data, without CRLF (RFC 5321 allows 998); longer lines get 554. 0 for no
     * limit.
     */
    private int maxDataLineLength;

    /**
     * TLS: STARTTLS and implicit TLS from a Spring Boot SSL bundle.
     */
    private final Ssl ssl = new Ssl();

    /**
     * SMTP AUTH (PLAIN and LOGIN), decided by an SmtpAuthenticator bean or Spring Security.
     */
    private final Auth auth = new Auth();

    /**
     * HAProxy PROXY protocol (v1 and v2) for running behind a TCP load balancer.
     */
    private final ProxyProtocol proxyProtocol = new ProxyProtocol();

    /**
     * Debugging mode (smtpd's DebuggingServer).
     */
    private final Debugging debugging = new Debugging();

    /**
     * How the proxy and mailman modes relay to remoteaddr, and who may relay.
     */
    private final Relay relay = new Relay();

    /**
     * Mailman mode (smtpd's MailmanProxy, for Mailman 3 over LMTP).
     */
    private final Mailman mailman = new Mailman();

    /**
     * The smtpd actuator endpoint over HTTP.
     */
    private final Endpoint endpoint = new Endpoint();

    public Endpoint getEndpoint() {
        return endpoint;
    }

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

    /** The upstream addresses of {@code remoteaddr}, in order: comma-separated, blank entries skipped. */
    public static java.util.List<String> remoteAddresses(String remoteaddr) {
        if (remoteaddr == null || remoteaddr.isBlank()) {
            return java.util.List.of();
        }
        return java.util.Arrays.stream(remoteaddr.split(",")).map(String::trim).filter((entry) -> !entry.isEmpty())
            .toList();
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

    public Duration getDataTimeout() {
        return this.dataTimeout;
    }

    public void setDataTimeout(Duration dataTimeout) {
        this.dataTimeout = dataTimeout;
    }

    public io.github.smtpd.Protocol getProtocol() {
        return this.protocol;
    }

    public void setProtocol(io.github.smtpd.Protocol protocol) {
        this.protocol = protocol;
    }

    public boolean isEnhancedStatusCodes() {
        return this.enhancedStatusCodes;
    }

    public void setEnhancedStatusCodes(boolean enhancedStatusCodes) {
        this.enhancedStatusCodes = enhancedStatusCodes;
    }

    public boolean isNonBlockingProcessors() {
        return this.nonBlockingProcessors;
    }

    public void setNonBlockingProcessors(boolean nonBlockingProcessors) {
        this.nonBlockingProcessors = nonBlockingProcessors;
    }

    public Integer getEventLoops() {
        return this.eventLoops;
    }

    public void setEventLoops(Integer eventLoops) {
        this.eventLoops = eventLoops;
    }

    public boolean isReceivedHeader() {
        return this.receivedHeader;
    }

    public void setReceivedHeader(boolean receivedHeader) {
        this.receivedHeader = receivedHeader;
    }

    public io.github.smtpd.LineEndingPolicy getLineEndingPolicy() {
        return this.lineEndingPolicy;
    }

    public void setLineEndingPolicy(io.github.smtpd.LineEndingPolicy lineEndingPolicy) {
        this.lineEndingPolicy = lineEndingPolicy;
    }

    public int getMaxDataLineLength() {
        return this.maxDataLineLength;
    }

    public void setMaxDataLineLength(int maxDataLineLength) {
        this.maxDataLineLength = maxDataLineLength;
    }

    public Ssl getSsl() {
        return this.ssl;
    }

    public Auth getAuth() {
        return this.auth;
    }

    public ProxyProtocol getProxyProtocol() {
        return this.proxyProtocol;
    }

    public Debugging getDebugging() {
        return this.debugging;
    }

    public Relay getRelay() {
        return this.relay;
    }

    public Mailman getMailman() {
        return this.mailman;
    }

    /** Debugging mode settings. */
    public static class Debugging {

        /**
         * How many of the last messages to keep in memory for the actuator endpoint.
         */
        private int capacity = 100;

        /**
         * Most bytes kept of each captured message; longer ones are cut and marked truncated.
         */
        private DataSize maxContentSize = DataSize.ofMegabytes(1);

        /**
         * Where each message is printed in smtpd's format: stdout, stderr, or the path of a file it is appended to.
         */
        private String output = "stdout";

        public String getOutput() {
            return this.output;
        }

        public void setOutput(String output) {
            this.output = output;
        }

        public int getCapacity() {
            return this.capacity;
        }

        public void setCapacity(int capacity) {
            this.capacity = capacity;
        }

        public DataSize getMaxContentSize() {
            return this.maxContentSize;
        }

        public void setMaxContentSize(DataSize maxContentSize) {
            this.maxContentSize = maxContentSize;
        }
    }

    /** Relay settings for the proxy and mailman modes. */
    public static class Relay {

        /**
         * Client networks (CIDR) allowed to relay through this server. Everyone else gets 554 5.7.1 at RCPT,
         * unless authenticated. The default, loopback only, is never an open relay.
         */
        private java.util.List<String> trustedNetworks = new java.util.ArrayList<>(java.util.List.of("127.0.0.0/8", "::1/128"));

        /**
         * Recipient domains accepted from anyone, like Postfix's relay_domains (exact domain, any case): what an
         * inbound gateway in front of its own mail servers takes. Empty by default.
         */
        private java.util.List<String> domains = new java.util.ArrayList<>();

        /**
         * Whether clients that authenticated with AUTH may relay anywhere, whatever their network.
         */
        private boolean authenticatedClientsMayRelay = true;

        /**
         * STARTTLS to the upstream: 'opportunistic' (when offered, certificate unchecked), 'required' (always,
         * certificate and host name checked) or 'disabled'.
         */
        private io.github.smtpd.relay.StartTls starttls = io.github.smtpd.relay.StartTls.OPPORTUNISTIC;

        /**
         * SSL bundle whose trust store checks the upstream's certificate when starttls is 'required'; a reload of
         * the bundle applies from the next upstream connection. Empty for the JDK's trust store.
         */
        private String sslBundle;

        /**
         * User name for AUTH at the upstream. Empty for none.
         */
        private String username;

        /**
         * Password for AUTH at the upstream.
         */
        private String password;

        /**
         * How long to wait for the upstream to accept a connection before trying the next address.
         */
        private Duration connectTimeout = Duration.ofSeconds(30);

        /**
         * How long to wait for each upstream reply.
         */
        private Duration timeout = Duration.ofMinutes(5);

        /**
         * How long to wait for the upstream's reply after the end of data.
         */
        private Duration dataTimeout = Duration.ofMinutes(10);

        /**
         * Name to greet the upstream with. Defaults to host-name.
         */
        private String heloName;

        /**
         * Whether to add smtpd's X-Peer header with the client's address to relayed messages.
         */
        private boolean peerHeader;

        public java.util.List<String> getTrustedNetworks() {
            return this.trustedNetworks;
        }

        public void setTrustedNetworks(java.util.List<String> trustedNetworks) {
            this.trustedNetworks = trustedNetworks;
        }

        public java.util.List<String> getDomains() {
            return this.domains;
        }

        public void setDomains(java.util.List<String> domains) {
            this.domains = domains;
        }

        public boolean isAuthenticatedClientsMayRelay() {
            return this.authenticatedClientsMayRelay;
        }

        public void setAuthenticatedClientsMayRelay(boolean authenticatedClientsMayRelay) {
            this.authenticatedClientsMayRelay = authenticatedClientsMayRelay;
        }

        public io.github.smtpd.relay.StartTls getStarttls() {
            return this.starttls;
        }

        public void setStarttls(io.github.smtpd.relay.StartTls starttls) {
            this.starttls = starttls;
        }

        public String getSslBundle() {
            return this.sslBundle;
        }

        public void setSslBundle(String sslBundle) {
            this.sslBundle = sslBundle;
        }

        public String getUsername() {
            return this.username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return this.password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public Duration getConnectTimeout() {
            return this.connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getTimeout() {
            return this.timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public Duration getDataTimeout() {
            return this.dataTimeout;
        }

        public void setDataTimeout(Duration dataTimeout) {
            this.dataTimeout = dataTimeout;
        }

        public String getHeloName() {
            return this.heloName;
        }

        public void setHeloName(String heloName) {
            this.heloName = heloName;
        }

        public boolean isPeerHeader() {
            return this.peerHeader;
        }

        public void setPeerHeader(boolean peerHeader) {
            this.peerHeader = peerHeader;
        }
    }

    /** Mailman mode settings. */
    public static class Mailman {

        /**
         * Mailman 3's LMTP address as host:port (Mailman's [mta] lmtp_host and lmtp_port).
         */
        private String lmtpAddress = "127.0.0.1:8024";

        /**
         * Domains whose addresses are Mailman lists, e.g. lists.example.org. Required in mailman mode.
         */
        private java.util.List<String> listDomains = new java.util.ArrayList<>();

        /**
         * List names (local parts) that are lists; empty means every address in the list domains. Mailman's
         * -bounces, -confirm, -join, -leave, -owner, -request, -subscribe and -unsubscribe addresses follow.
         */
        private java.util.List<String> listNames = new java.util.ArrayList<>();

        public String getLmtpAddress() {
            return this.lmtpAddress;
        }

        public void setLmtpAddress(String lmtpAddress) {
            this.lmtpAddress = lmtpAddress;
        }

        public java.util.List<String> getListDomains() {
            return this.listDomains;
        }

        public void setListDomains(java.util.List<String> listDomains) {
            this.listDomains = listDomains;
        }

        public java.util.List<String> getListNames() {
            return this.listNames;
        }

        public void setListNames(java.util.List<String> listNames) {
            this.listNames = listNames;
        }
    }

    /** TLS settings. */
    public static class Ssl {

        /**
         * Name of the SSL bundle (spring.ssl.bundle.*) with the server's certificate. Setting it offers STARTTLS;
         * protocols and ciphers come from the bundle, and certificates reload when the bundle does.
         */
        private String bundle;

        /**
         * Whether MAIL before STARTTLS is refused with 530 5.7.0.
         */
        private boolean required;

        /**
         * Address of a second listener that speaks TLS from the first byte (RFC 8314, usually port 465), as
         * host:port. Empty for none.
         */
        private String implicitLocaladdr;

        /**
         * Whether to ask clients for a certificate: 'none', 'want' or 'need'.
         */
        private io.github.smtpd.TlsClientAuth clientAuth = io.github.smtpd.TlsClientAuth.NONE;

        public String getBundle() {
            return this.bundle;
        }

        public void setBundle(String bundle) {
            this.bundle = bundle;
        }

        public boolean isRequired() {
            return this.required;
        }

        public void setRequired(boolean required) {
            this.required = required;
        }

        public String getImplicitLocaladdr() {
            return this.implicitLocaladdr;
        }

        public void setImplicitLocaladdr(String implicitLocaladdr) {
            this.implicitLocaladdr = implicitLocaladdr;
        }

        public io.github.smtpd.TlsClientAuth getClientAuth() {
            return this.clientAuth;
        }

        public void setClientAuth(io.github.smtpd.TlsClientAuth clientAuth) {
            this.clientAuth = clientAuth;
        }
    }

    /** SMTP AUTH settings. */
    public static class Auth {

        /**
         * Whether MAIL without AUTH is refused with 530 5.7.0.
         */
        private boolean required;

        /**
         * Whether AUTH is offered without TLS, which sends passwords in the clear.
         */
        private boolean allowPlaintext;

        /**
         * How much longer each failed AUTH in a session waits before its answer, to slow password guessing.
         */
        private Duration failureDelay = Duration.ofSeconds(1);

        /**
         * Failed AUTH attempts one client address may make within failure-window, across all its connections;
         * past it AUTH is answered 454 4.7.0 without checking credentials. 0 = no limit.
         */
        private int maxFailuresPerClient = 10;

        /**
         * The window of max-failures-per-client, starting with a client's first failure.
         */
        private Duration failureWindow = Duration.ofMinutes(10);

        public int getMaxFailuresPerClient() {
            return this.maxFailuresPerClient;
        }

        public void setMaxFailuresPerClient(int maxFailuresPerClient) {
            this.maxFailuresPerClient = maxFailuresPerClient;
        }

        public Duration getFailureWindow() {
            return this.failureWindow;
        }

        public void setFailureWindow(Duration failureWindow) {
            this.failureWindow = failureWindow;
        }

        public boolean isRequired() {
            return this.required;
        }

        public void setRequired(boolean required) {
            this.required = required;
        }

        public boolean isAllowPlaintext() {
            return this.allowPlaintext;
        }

        public void setAllowPlaintext(boolean allowPlaintext) {
            this.allowPlaintext = allowPlaintext;
        }

        public Duration getFailureDelay() {
            return this.failureDelay;
        }

        public void setFailureDelay(Duration failureDelay) {
            this.failureDelay = failureDelay;
        }
    }

    /** PROXY protocol settings. */
    public static class ProxyProtocol {

        /**
         * Networks (CIDR, e.g. 10.0.0.0/8) of the load balancers allowed to send a PROXY header. Setting any
         * turns the PROXY protocol on: connections from them must start with a header, and connections from
         * elsewhere are closed.
         */
        private java.util.List<String> trustedProxies = new java.util.ArrayList<>();

        public java.util.List<String> getTrustedProxies() {
            return this.trustedProxies;
        }

        public void setTrustedProxies(java.util.List<String> trustedProxies) {
            this.trustedProxies = trustedProxies;
        }
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

        /**
         * Whether the mode relays to {@code remoteaddr} (and so can not work without one): the one place this is
         * decided, for the mapper, the metrics, the health checks and the start-up check.
         */
        public boolean isRelaying() {
            return this == PROXY || this == MAILMAN;
        }
    }

    /** The smtpd actuator endpoint over HTTP. */
    public static class Endpoint {

        /**
         * Host names, besides IP addresses, localhost and this machine's own name, under which HTTP requests may
         * change the server's state (POST /actuator/smtpd). Any other Host or Origin is refused with 403, so that
         * a web page whose name is made to point at this machine (DNS rebinding) cannot pause it.
         */
        private java.util.List<String> allowedHosts = new java.util.ArrayList<>();

        public java.util.List<String> getAllowedHosts() {
            return this.allowedHosts;
        }

        public void setAllowedHosts(java.util.List<String> allowedHosts) {
            this.allowedHosts = allowedHosts;
        }
    }
}
