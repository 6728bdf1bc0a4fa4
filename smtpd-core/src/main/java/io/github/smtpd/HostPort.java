package io.github.smtpd;

import java.net.InetSocketAddress;

/**
 * A {@code host:port} address as smtpd's {@code localaddr}/{@code remoteaddr} were written:
 * {@code localhost:8025}, {@code 0.0.0.0:25}, {@code [::1]:2525}.
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("Host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Port must be between 0 and 65535, was " + port);
        }
    }

    /**
     * Parses {@code host:port}; IPv6 literals go in brackets ({@code [::1]:2525}).
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static HostPort parse(String text) {
        if (text == null || text.isBlank()) {
            throw invalid(text, "it is empty");
        }
        String value = text.trim();
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw invalid(text, "an IPv6 address needs the form [::1]:2525");
            }
            host = value.substring(1, close);
            port = value.substring(close + 2);
        }
        else {
            int colon = value.lastIndexOf(':');
            if (colon < 0) {
                throw invalid(text, "the port is missing");
            }
            if (value.indexOf(':') != colon) {
                throw invalid(text, "an IPv6 address must be written in brackets, e.g. [::1]:2525");
            }
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw invalid(text, "the host is missing");
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
            throw invalid(text, "the port '" + port + "' is not a number");
        }
        int number = Integer.parseInt(port);
        if (number > 65535) {
            throw invalid(text, "the port " + number + " is above 65535");
        }
        return new HostPort(host, number);
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException(
                "'" + text + "' is not a valid host:port address (" + why + "); use e.g. localhost:8025 or [::1]:2525");
    }

    /** The address, resolving the host name. */
    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
