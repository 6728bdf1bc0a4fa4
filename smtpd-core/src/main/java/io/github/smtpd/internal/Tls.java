package io.github.smtpd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.github.smtpd.SmtpServer;

/** Makes the server side of a TLS connection over an accepted socket, with the server's TLS settings. */
final class Tls {

    private Tls() {
    }

    /**
     * @param consumed bytes already read from {@code plain} that belong to the handshake (for implicit TLS
     *        behind a PROXY header, the client hello may come in the same packet); empty after STARTTLS, where
     *        anything read before the handshake is dropped
     */
    static SSLSocket wrap(SmtpServer server, Socket plain, byte[] consumed) throws IOException {
        SSLContext context = server.getSslContext().get();
        InetSocketAddress peer = (InetSocketAddress) plain.getRemoteSocketAddress();
        SSLSocket ssl = consumed.length > 0
                ? (SSLSocket) context.getSocketFactory().createSocket(plain, new java.io.ByteArrayInputStream(consumed), true)
                : (SSLSocket) context.getSocketFactory().createSocket(plain, peer.getHostString(), peer.getPort(), true);
        ssl.setUseClientMode(false);
        if (server.getTlsProtocols() != null) {
            ssl.setEnabledProtocols(server.getTlsProtocols().toArray(String[]::new));
        }
        if (server.getTlsCiphers() != null) {
            ssl.setEnabledCipherSuites(server.getTlsCiphers().toArray(String[]::new));
        }
        switch (server.getTlsClientAuth()) {
            case WANT -> ssl.setWantClientAuth(true);
            case NEED -> ssl.setNeedClientAuth(true);
            default -> {
            }
        }
        return ssl;
    }
}
