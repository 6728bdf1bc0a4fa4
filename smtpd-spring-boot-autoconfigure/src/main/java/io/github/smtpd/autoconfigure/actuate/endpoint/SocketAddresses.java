package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.net.InetSocketAddress;

import io.github.smtpd.HostPort;

/** Formats socket addresses the way the {@code smtpd.*} properties take them: {@code host:port}, IPv6 in brackets. */
final class SocketAddresses {

    private SocketAddresses() {
    }

    static String format(InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        // The numeric address when there is one: a reverse lookup here would block the endpoint on DNS.
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return new HostPort(host, address.getPort()).toString();
    }
}
