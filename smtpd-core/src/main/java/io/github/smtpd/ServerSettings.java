package io.github.smtpd;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

/**
 * What an {@link SmtpServer} was built with ({@link SmtpServer#settings()}): made by {@link SmtpServer.Builder},
 * immutable, checked once here, and read by the server's sessions. The builder's methods say what each setting
 * does and what its default is.
 *
 * @param localAddress smtpd's {@code localaddr} as configured; {@link SmtpServer#getLocalAddress()} has the bound
 *        one
 * @param remoteAddress smtpd's {@code _remoteaddr}, or {@code null} when none was configured
 * @param dataSizeLimit the largest accepted message in bytes, advertised as SIZE; 0 means unlimited
 * @param enableSmtpUtf8 smtpd's {@code enable_SMTPUTF8}
 * @param decodeData smtpd's {@code decode_data}: processors get text, and 8BITMIME is not offered
 * @param hostName the host name in the greeting and EHLO reply, smtpd's {@code fqdn}
 * @param executor the executor given to the builder, or {@code null} for the server's own pool
 * @param maxSessions sessions at once; more get 421
 * @param maxSessionsPerClient sessions at once from one client address; 0 for no limit
 * @param clientLimitExceptions client networks that the per-client limits do not apply to (Postfix's
 *        smtpd_client_event_limit_exceptions)
 * @param stressTimeout the timeout for reading a command line or a message's data while the server is under
 *        stress (sessions at three quarters of {@code maxSessions} or more), when it is shorter than the usual ones
 * @param minDataRate bytes per second a client must keep up inside DATA and BDAT; 0 for no minimum
 * @param maxRecipients recipients in one transaction (452 past it)
 * @param maxBadCommands error replies a session may earn before it is closed with 421
 * @param idleTimeout how long a client may stay silent between commands
 * @param spoolThreshold message bytes kept in memory; larger messages spill to a file
 * @param spoolDirectory where large messages spill
 * @param backlog the listen backlog
 * @param commands the command table by upper-case verb: the built-in commands, overlaid by those added
 * @param protocol SMTP, or LMTP for a server that delivers for Mailman, Dovecot or Cyrus-style clients
 * @param enhancedStatusCodes whether replies after EHLO carry RFC 3463 enhanced status codes
 *        (ENHANCEDSTATUSCODES)
 * @param receivedHeader whether a {@code Received:} trace header is prepended to every message
 * @param nonBlockingProcessors whether processors run on the event loop that read the message; see
 *        {@link SmtpServer.Builder#nonBlockingProcessors}
 * @param eventLoops how many event loop threads serve sessions, in the clear or under TLS
 * @param trustedProxies the proxies allowed to send a PROXY protocol header, or {@code null} when the PROXY
 *        protocol is off
 * @param sslContext makes the TLS context for the next handshake, or {@code null} when TLS is off
 * @param tlsProtocols the TLS protocols allowed, or {@code null} for the context's
 * @param tlsCiphers the cipher suites allowed, or {@code null} for the context's
 * @param tlsClientAuth whether TLS clients are asked for a certificate
 * @param tlsTaskExecutor where the TLS engines' slow handshake work runs, or {@code null} for the pool shared by
 *        the process; see {@link SmtpServer.Builder#tlsTaskExecutor}
 * @param requireTls whether MAIL before STARTTLS is refused with 530 5.7.0
 * @param implicitTlsAddress the implicit TLS (RFC 8314) listener's address as configured, or {@code null}
 * @param authenticator checks AUTH credentials, or {@code null} when AUTH is off
 * @param requireAuth whether MAIL without AUTH is refused with 530 5.7.0
 * @param allowPlaintextAuth whether AUTH is offered on connections without TLS
 * @param authFailureDelay how much longer each failed AUTH attempt in a session waits before its answer
 * @param authFailureLimit failed AUTH attempts one client address may make within {@code authFailureWindow}; 0
 *        for no limit
 * @param authFailureWindow the window of {@code authFailureLimit}
 * @param dataTimeout how long a client may stay silent in the middle of DATA or BDAT
 * @param lineEndingPolicy what to do with a bare CR or LF in message data
 * @param maxDataLineLength the longest line allowed in message data, without CRLF; 0 for no limit
 */
public record ServerSettings(InetSocketAddress localAddress, InetSocketAddress remoteAddress, long dataSizeLimit,
        boolean enableSmtpUtf8, boolean decodeData, String hostName, Executor executor, int maxSessions,
        int maxSessionsPerClient, List<Cidr> clientLimitExceptions, Duration stressTimeout, int minDataRate,
        int maxRecipients, int maxBadCommands, Duration idleTimeout, int spoolThreshold, Path spoolDirectory,
        int backlog, Map<String, SmtpCommand> commands, Protocol protocol, boolean enhancedStatusCodes,
        boolean receivedHeader, boolean nonBlockingProcessors, int eventLoops, List<Cidr> trustedProxies,
        Supplier<SSLContext> sslContext, List<String> tlsProtocols, List<String> tlsCiphers,
        TlsClientAuth tlsClientAuth, Executor tlsTaskExecutor, boolean requireTls,
        InetSocketAddress implicitTlsAddress, SmtpAuthenticator authenticator, boolean requireAuth,
        boolean allowPlaintextAuth, Duration authFailureDelay, int authFailureLimit, Duration authFailureWindow,
        Duration dataTimeout, LineEndingPolicy lineEndingPolicy, int maxDataLineLength) {

    /**
     * Checks the settings against each other, and copies the lists.
     *
     * @throws IllegalArgumentException for contradictory settings, e.g. SMTPUTF8 with decode data
     */
    public ServerSettings {
        if (enableSmtpUtf8 && decodeData) {
            throw new IllegalArgumentException(
                    "enableSmtpUtf8 and decodeData cannot both be on: SMTPUTF8 needs the raw bytes. Turn one of them off.");
        }
        if (dataSizeLimit < 0) {
            throw new IllegalArgumentException("dataSizeLimit must be 0 (unlimited) or positive, was " + dataSizeLimit);
        }
        requirePositive("maxSessions", maxSessions);
        requirePositive("maxRecipients", maxRecipients);
        requirePositive("maxBadCommands", maxBadCommands);
        if (maxSessionsPerClient < 0) {
            throw new IllegalArgumentException("maxSessionsPerClient must be 0 (unlimited) or positive");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, was " + idleTimeout);
        }
        if (stressTimeout == null || stressTimeout.isNegative() || stressTimeout.isZero()) {
            throw new IllegalArgumentException("stressTimeout must be positive, was " + stressTimeout);
        }
        if (minDataRate < 0) {
            throw new IllegalArgumentException("minDataRate must be 0 (no minimum) or positive");
        }
        requirePositive("eventLoops", eventLoops);
        if ((requireTls || implicitTlsAddress != null) && sslContext == null) {
            throw new IllegalArgumentException(
                    "requireTls and implicitTlsAddress need TLS: give the builder an sslContext");
        }
        if (requireAuth && authenticator == null) {
            throw new IllegalArgumentException("requireAuth needs an authenticator to check credentials");
        }
        if (maxDataLineLength < 0) {
            throw new IllegalArgumentException("maxDataLineLength must be 0 (no limit) or positive");
        }
        clientLimitExceptions = List.copyOf(clientLimitExceptions);
        commands = Map.copyOf(commands);
        trustedProxies = trustedProxies == null ? null : List.copyOf(trustedProxies);
        tlsProtocols = tlsProtocols == null ? null : List.copyOf(tlsProtocols);
        tlsCiphers = tlsCiphers == null ? null : List.copyOf(tlsCiphers);
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    /** Whether the per-client limits apply to this client address. */
    public boolean isClientLimited(InetAddress client) {
        for (Cidr network : clientLimitExceptions) {
            if (network.contains(client)) {
                return false;
            }
        }
        return true;
    }
}
