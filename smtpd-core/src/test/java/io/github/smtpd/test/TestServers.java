package io.github.smtpd.test;

import java.net.InetSocketAddress;

import io.github.smtpd.SmtpServer;

/** Builders for servers on a free loopback port. */
public final class TestServers {

    private TestServers() {
    }

    public static SmtpServer.Builder loopback() {
        // The Received header has its own test; elsewhere tests compare content byte for byte.
        return SmtpServer.builder().localAddress("127.0.0.1:0").hostName("smtpd.test").receivedHeader(false);
    }

    public static InetSocketAddress address(SmtpServer server) {
        return new InetSocketAddress("127.0.0.1", server.getPort());
    }
}
