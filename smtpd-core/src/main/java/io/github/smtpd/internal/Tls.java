package io.github.smtpd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.github.smtpd.SmtpServer;

/**
 * Makes the server side of a TLS connection with the server's TLS settings (protocols, ciphers, client
 * certificates), applied in one place ({@link #parameters}) to both kinds: an {@link SSLEngine} for sessions over
 * a channel ({@link TlsTransport}), an {@link SSLSocket} for the blocking driver without event loops.
 */
final class Tls {

    private Tls() {
    }

    /**
     * @param consumed bytes already read from {@code plain} that belong to the handshake (for implicit TLS behind a
     *        PROXY header, the client hello may come in the same packet); empty after STARTTLS, where anything read
     *        before the handshake is dropped
     */
    static SSLSocket wrap(SmtpServer server, Socket plain, byte[] consumed) throws IOException {
        SSLContext context = server.getSslContext().get();
        InetSocketAddress peer = (InetSocketAddress) plain.getRemoteSocketAddress();
        SSLSocket ssl = consumed.length > 0
                ? (SSLSocket) context.getSocketFactory().createSocket(plain, new java.io.ByteArrayInputStream(consumed), true)
                : (SSLSocket) context.getSocketFactory().createSocket(plain, peer.getHostString(), peer.getPort(), true);
        ssl.setUseClientMode(false);
        ssl.setSSLParameters(parameters(server, ssl.getSSLParameters()));
        return ssl;
    }

    /** {@link #wrap}, and the handshake on the calling thread (the watchdog bounds it as a whole). */
    static SSLSocket handshake(SmtpServer server, Socket plain, byte[] consumed) throws IOException {
        SSLSocket ssl = wrap(server, plain, consumed);
        // The handshake reads outside SmtpInput, so a read timeout bounds each of its reads.
        ssl.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, server.getIdleTimeout().toMillis())));
        ssl.startHandshake();
        ssl.setSoTimeout(0);
        return ssl;
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
