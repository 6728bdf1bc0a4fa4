package io.github.smtpd.relay;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.github.smtpd.Protocol;
import io.github.smtpd.Reply;
import io.github.smtpd.relay.Failures.RefusedException;

/**
 * The conversation that sets a new connection up, over its blocking streams: the greeting, EHLO (HELO when EHLO is
 * refused) or LHLO and the extensions it offers, STARTTLS as configured, and AUTH when credentials are. Whatever
 * the upstream says that makes it unusable ends it with an {@link IOException}.
 */
final class Handshake {

    private final UpstreamConnection connection;

    private final UpstreamOptions options;

    private Map<String, String> extensions = Map.of();

    /** What the upstream said while being set up, kept for {@link #greetings()}. */
    private Reply greeting;

    private Reply hello;

    Handshake(UpstreamConnection connection, UpstreamOptions options) {
        this.connection = connection;
        this.options = options;
    }

    /** The EHLO keywords the upstream offered (none after HELO), upper-case, each with its parameters. */
    Map<String, String> extensions() {
        return extensions;
    }

    /** Whether the upstream greeted at all, 421 included. */
    boolean greeted() {
        return greeting != null;
    }

    Greetings greetings() {
        return new Greetings(greeting, hello);
    }

    /** Greets, says hello, upgrades with STARTTLS when {@code tls} and authenticates as configured. */
    void run(String heloName, boolean tls) throws IOException {
        // Kept before a 421 can end the setup (in received), so that a health check can show it.
        greeting = connection.readAsItCame();
        connection.received(greeting);
        if (greeting.code() != 220) {
            throw new RefusedException("greeted with " + greeting);
        }
        hello(heloName);
        if (tls) {
            startTls(heloName);
        }
        if (options.hasCredentials()) {
            authenticate();
        }
    }

    private void hello(String heloName) throws IOException {
        Reply reply;
        if (options.protocol() == Protocol.LMTP) {
            reply = hello("LHLO", heloName);
        }
        else {
            reply = hello("EHLO", heloName);
            if (reply.isPermanentFailure()) {
                reply = hello("HELO", heloName);
                if (reply.code() == 250) {
                    extensions = Map.of();
                    return;
                }
            }
        }
        if (reply.code() != 250) {
            throw new RefusedException("answered the greeting with " + reply);
        }
        extensions = offered(reply);
    }

    /** Says {@code verb heloName}; its reply is kept, like the greeting, before a 421 can end the setup. */
    private Reply hello(String verb, String heloName) throws IOException {
        connection.send(verb + " " + heloName);
        hello = connection.readAsItCame();
        return connection.received(hello);
    }

    /** The extensions that an EHLO or LHLO reply's lines after the first offer. */
    private static Map<String, String> offered(Reply reply) {
        Map<String, String> offered = new LinkedHashMap<>();
        for (String line : reply.lines().subList(1, reply.lines().size())) {
            String trimmed = line.strip();
            int split = 0;
            while (split < trimmed.length() && trimmed.charAt(split) != ' ' && trimmed.charAt(split) != '=') {
                split++;
            }
            if (split > 0) {
                String keyword = trimmed.substring(0, split).toUpperCase(Locale.ROOT);
                offered.put(keyword, split < trimmed.length() ? trimmed.substring(split + 1).strip() : "");
            }
        }
        return Collections.unmodifiableMap(offered);
    }

    private void startTls(String heloName) throws IOException {
        boolean required = options.startTls() == StartTls.REQUIRED;
        if (!extensions.containsKey("STARTTLS")) {
            if (required) {
                throw new RefusedException("does not offer STARTTLS, which is required");
            }
            return;
        }
        Reply reply = connection.command("STARTTLS");
        if (reply.code() != 220) {
            if (required) {
                throw new RefusedException("refused STARTTLS, which is required: " + reply);
            }
            return;
        }
        SSLSocket tls;
        try {
            SSLContext context = required
                    ? (options.sslContext() != null ? options.sslContext() : SSLContext.getDefault())
                    : OpportunisticTrust.context();
            tls = (SSLSocket) context.getSocketFactory().createSocket(connection.raw(), connection.address().host(),
                    connection.address().port(), true);
        }
        catch (GeneralSecurityException ex) {
            throw new SSLException("No TLS context: " + ex.getMessage(), ex);
        }
        tls.setUseClientMode(true);
        if (required) {
            // Check that the certificate names the host we meant to reach, as HTTPS clients do.
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
        }
        try {
            tls.startHandshake();
        }
        catch (SSLException ex) {
            if (!required) {
                throw new Failures.OpportunisticTlsFailure(ex);
            }
            throw ex;
        }
        // RFC 3207 4.2: forget everything learnt before the handshake, bytes read ahead included.
        connection.useTls(tls);
        extensions = Map.of();
        hello(heloName);
    }

    private void authenticate() throws IOException {
        String mechanisms = extensions.get("AUTH");
        if (mechanisms == null) {
            throw new RefusedException("does not offer AUTH, and credentials are configured");
        }
        if (!connection.isSecure() && !connection.raw().getInetAddress().isLoopbackAddress()) {
            throw new RefusedException("offers no TLS, and credentials are never sent in clear text over a network");
        }
        Reply reply = SaslLogin.authenticate(connection::command, mechanisms, options.username(), options.password());
        if (reply == null) {
            throw new RefusedException("offers neither AUTH PLAIN nor AUTH LOGIN (only " + mechanisms + ")");
        }
        if (reply.code() != 235) {
            throw new RefusedException("did not accept the credentials of " + options.username() + ": " + reply);
        }
    }
}
