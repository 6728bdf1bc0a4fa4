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

    static SSLSocket wrap(SmtpServer server, Socket plain) throws IOException {
        SSLContext context = server.getSslContext().get();
        InetSocketAddress peer = (InetSocketAddress) plain.getRemoteSocketAddress();
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, peer.getHostString(), peer.getPort(),
                true);
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
