package io.github.smtpd.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import io.github.smtpd.HostPort;
import io.github.smtpd.Protocol;

/**
 * How to reach one upstream: its addresses (tried in order), SMTP or LMTP, STARTTLS, credentials and
 * timeouts. Built from plain values so that a configuration file can describe it:
 *
 * <pre>{@code
 * UpstreamOptions upstream = UpstreamOptions.builder()
 *         .addresses("mx1.internal:25", "mx2.internal:25")
 *         .startTls(StartTls.REQUIRED)
 *         .credentials("relay", "secret")
 *         .build();
 * }</pre>
 */
public final class UpstreamOptions {

    private final List<HostPort> addresses;

    private final Protocol protocol;

    private final StartTls startTls;

    private final Supplier<SSLContext> sslContext;

    private final String username;

    private final String password;

    private final Duration connectTimeout;

    private final Duration timeout;

    private final Duration dataTimeout;

    private final Duration deadline;

    private final String heloName;

    private UpstreamOptions(Builder builder) {
        if (builder.addresses.isEmpty()) {
            throw new IllegalArgumentException("An upstream needs at least one host:port address");
        }
        if ((builder.username == null) != (builder.password == null)) {
            throw new IllegalArgumentException("Upstream credentials need both a username and a password");
        }
        requirePositive("connectTimeout", builder.connectTimeout);
        requirePositive("timeout", builder.timeout);
        requirePositive("dataTimeout", builder.dataTimeout);
        if (builder.deadline != null) {
            requirePositive("deadline", builder.deadline);
        }
        this.addresses = List.copyOf(builder.addresses);
        this.protocol = builder.protocol;
        this.startTls = builder.startTls;
        this.sslContext = builder.sslContext;
        this.username = builder.username;
        this.password = builder.password;
        this.connectTimeout = builder.connectTimeout;
        this.timeout = builder.timeout;
        this.dataTimeout = builder.dataTimeout;
        this.deadline = builder.deadline;
        this.heloName = builder.heloName;
    }

    private static void requirePositive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The addresses, tried in this order until one answers. */
    public List<HostPort> addresses() {
        return addresses;
    }

    public Protocol protocol() {
        return protocol;
    }

    public StartTls startTls() {
        return startTls;
    }

    /**
     * The trust (and client certificate) material for {@link StartTls#REQUIRED}, as of now (it may be reloaded
     * between connections); {@code null} for the JVM's default.
     */
    public SSLContext sslContext() {
        return sslContext != null ? sslContext.get() : null;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    public boolean hasCredentials() {
        return username != null;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long to wait for any reply, and for any write to make progress. */
    public Duration timeout() {
        return timeout;
    }

    /** How long to wait for the reply after the end of the data, when the upstream does its real work. */
    public Duration dataTimeout() {
        return dataTimeout;
    }

    /**
     * How long a whole connection may last, from the start of {@link UpstreamClient#connect} (every address tried
     * included) to its last reply; {@code null}, the default, for no limit but the timeouts of each read and write.
     */
    public Duration deadline() {
        return deadline;
    }

    /** The name to greet with; {@code null} for this server's own host name. */
    public String heloName() {
        return heloName;
    }

    /** The options with the credentials left out, for logs. */
    @Override
    public String toString() {
        return "UpstreamOptions[" + protocol + " " + addresses + ", starttls=" + startTls
                + (username != null ? ", user=" + username : "") + "]";
    }

    /** Builds {@link UpstreamOptions}; the defaults are RFC 5321's timeouts and opportunistic STARTTLS. */
    public static final class Builder {

        private final List<HostPort> addresses = new ArrayList<>();

        private Protocol protocol = Protocol.SMTP;

        private StartTls startTls = StartTls.OPPORTUNISTIC;

        private Supplier<SSLContext> sslContext;

        private String username;

        private String password;

        private Duration connectTimeout = Duration.ofSeconds(30);

        // RFC 5321 4.5.3.2: five minutes for a command reply, ten for the reply to the end of data.
        private Duration timeout = Duration.ofMinutes(5);

        private Duration dataTimeout = Duration.ofMinutes(10);

        private Duration deadline;

        private String heloName;

        private Builder() {
        }

        /** Replaces the addresses with these {@code host:port} strings, tried in order. */
        public Builder addresses(String... hostPorts) {
            return addresses(List.of(hostPorts));
        }

        /** Replaces the addresses with these {@code host:port} strings, tried in order. */
        public Builder addresses(List<String> hostPorts) {
            addresses.clear();
            for (String hostPort : hostPorts) {
                addresses.add(HostPort.parse(hostPort));
            }
            return this;
        }

        /** Adds an address after those given so far. */
        public Builder address(HostPort address) {
            addresses.add(Objects.requireNonNull(address, "address"));
            return this;
        }

        /** SMTP (default) or LMTP. */
        public Builder protocol(Protocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /** Default {@link StartTls#OPPORTUNISTIC}. */
        public Builder startTls(StartTls startTls) {
            this.startTls = Objects.requireNonNull(startTls, "startTls");
            return this;
        }

        /** Trust material used when STARTTLS is required; default the JVM's trust store. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext != null ? () -> sslContext : null;
            return this;
        }

        /**
         * Trust material used when STARTTLS is required, asked for at each new connection, so that it can be
         * replaced while the server runs (a Spring Boot SSL bundle that reloads, say); default the JVM's trust store.
         */
        public Builder sslContext(Supplier<SSLContext> sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /**
         * AUTH PLAIN or LOGIN credentials. They are sent only over TLS, or to a loopback address where nobody
         * can listen in; {@code null} for none.
         */
        public Builder credentials(String username, String password) {
            this.username = username == null || username.isEmpty() ? null : username;
            this.password = this.username == null ? null : password;
            return this;
        }

        /** Default 30 seconds. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /** How long a reply or a write may take; default 5 minutes (RFC 5321 4.5.3.2). */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long the reply to the end of data may take; default 10 minutes (RFC 5321 4.5.3.2.6). */
        public Builder dataTimeout(Duration dataTimeout) {
            this.dataTimeout = Objects.requireNonNull(dataTimeout, "dataTimeout");
            return this;
        }

        /**
         * An overall deadline for each connection, for short checks such as a health probe: an upstream that
         * answers one byte at a time resets the timeout of every read, but not this. When it passes, the socket is
         * closed and the connection fails with a {@link DeadlineExceededException} as its cause. Default
         * {@code null}, none: relaying is bounded by the timeouts alone, as a large message may take long.
         */
        public Builder deadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        /** The EHLO/LHLO name; default this server's host name. */
        public Builder heloName(String heloName) {
            this.heloName = heloName == null || heloName.isBlank() ? null : heloName;
            return this;
        }

        public UpstreamOptions build() {
            return new UpstreamOptions(this);
        }
    }
}
