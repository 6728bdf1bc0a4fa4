package io.github.smtpd.internal;

import java.net.InetSocketAddress;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import io.github.smtpd.SmtpServer;

/**
 * Makes the server side of a TLS connection, an {@link SSLEngine} for {@link TlsTransport}, with the server's TLS
 * settings (protocols, ciphers, client certificates).
 */
final class Tls {

    private Tls() {
    }

    /** A server-side engine for a connection from {@code peer}. */
    static SSLEngine engine(SmtpServer server, InetSocketAddress peer) {
        SSLEngine engine = server.getSslContext().get().createSSLEngine(peer.getHostString(), peer.getPort());
        engine.setUseClientMode(false);
        engine.setSSLParameters(parameters(server, engine.getSSLParameters()));
        return engine;
    }

    /** {@code defaults} with the server's settings applied. */
    private static SSLParameters parameters(SmtpServer server, SSLParameters defaults) {
        if (server.getTlsProtocols() != null) {
            defaults.setProtocols(server.getTlsProtocols().toArray(String[]::new));
        }
        if (server.getTlsCiphers() != null) {
            defaults.setCipherSuites(server.getTlsCiphers().toArray(String[]::new));
        }
        switch (server.getTlsClientAuth()) {
            case WANT -> defaults.setWantClientAuth(true);
            case NEED -> defaults.setNeedClientAuth(true);
            default -> {
            }
        }
        return defaults;
    }
}
