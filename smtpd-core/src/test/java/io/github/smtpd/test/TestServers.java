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

    /** A plain socket to the server from a given loopback source address (127.0.0.2, 127.0.1.10...). */
    public static java.net.Socket connectFrom(SmtpServer server, String source) throws java.io.IOException {
        java.net.Socket socket = new java.net.Socket();
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(address(server), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** The next line the server sent on {@code socket}, without its line end. */
    public static String firstLine(java.net.Socket socket) throws java.io.IOException {
        return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                java.nio.charset.StandardCharsets.US_ASCII)).readLine();
    }
}
