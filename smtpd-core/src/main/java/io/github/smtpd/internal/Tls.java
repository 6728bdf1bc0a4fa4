package io.github.smtpd.internal;

import java.net.InetSocketAddress;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import io.github.smtpd.ServerSettings;

/**
 * Makes the server side of a TLS connection, an {@link SSLEngine} for {@link TlsTransport}, with the server's TLS
 * settings (protocols, ciphers, client certificates).
 */
final class Tls {

    private Tls() {
    }

    /** A server-side engine for a connection from {@code peer}. */
    static SSLEngine engine(ServerSettings settings, InetSocketAddress peer) {
        SSLEngine engine = settings.sslContext().get().createSSLEngine(peer.getHostString(), peer.getPort());
        engine.setUseClientMode(false);
        engine.setSSLParameters(parameters(settings, engine.getSSLParameters()));
        return engine;
    }

    /** {@code defaults} with the server's settings applied. */
    private static SSLParameters parameters(ServerSettings settings, SSLParameters defaults) {
        if (settings.tlsProtocols() != null) {
            defaults.setProtocols(settings.tlsProtocols().toArray(String[]::new));
        }
        if (settings.tlsCiphers() != null) {
            defaults.setCipherSuites(settings.tlsCiphers().toArray(String[]::new));
        }
        switch (settings.tlsClientAuth()) {
            case WANT -> defaults.setWantClientAuth(true);
            case NEED -> defaults.setNeedClientAuth(true);
            default -> {
            }
        }
        return defaults;
    }
}
