package io.github.smtpd.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the HAProxy PROXY protocol header (versions 1 and 2) that a trusted load balancer sends before any
 * SMTP byte, and yields the real client's address. Anything malformed is refused: a session behind a proxy
 * must never start with a peer address it can not trust.
 */
final class ProxyProtocolHeader {

    private static final byte[] V2_SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
            0x0A };

    /** Version 1 lines are at most 107 bytes with CRLF. */
    private static final int V1_MAX = 107;

    private ProxyProtocolHeader() {
    }

    /** A header that could not be read. */
    static final class MalformedException extends IOException {
        MalformedException(String message) {
            super(message);
        }
    }

    /**
     * The peer of a connection whose header names no client ({@code PROXY UNKNOWN}, v2 {@code LOCAL} or an
     * unspecified family): the unspecified address, which no trusted network contains, so a proxy's own health
     * check can never relay as if it came from the proxy's (often loopback) address.
     */
    static final InetSocketAddress UNKNOWN_PEER = new InetSocketAddress(unspecified(), 0);

    private static InetAddress unspecified() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        }
        catch (UnknownHostException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The session's logger: operators filter a session's refusals by it. */
    private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(Session.class);

    /** A proxy sends its header at once; a silent connection must not hold a session for the idle timeout. */
    private static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(10);

    /**
     * Reads the header before anything else: only trusted proxies may send one, and they must.
     *
     * @return the client's address as the proxy saw it; {@code null} when the connection must be closed
     */
    static InetSocketAddress readTrusted(Session session, SmtpInput input, io.github.smtpd.SmtpServerListener listener)
            throws IOException {
        InetSocketAddress connection = session.peer();
        io.github.smtpd.ServerSettings settings = session.settings();
        if (settings.trustedProxies().stream().noneMatch((cidr) -> cidr.contains(connection.getAddress()))) {
            logger.warn("Closing connection from {}: not a trusted proxy", connection);
            listener.connectionRejected(connection, "untrusted-proxy");
            return null;
        }
        try {
            session.timeouts().setTimeout(TIMEOUT);
            InetSocketAddress client = read(input, connection);
            session.timeouts().setTimeout(settings.idleTimeout());
            return client;
        }
        catch (MalformedException ex) {
            logger.warn("Closing connection from proxy {}: {}", connection, ex.getMessage());
            listener.connectionRejected(connection, "proxy-header");
            return null;
        }
    }

    /**
     * @param connection the address the TCP connection came from
     * @return the client's address as the proxy saw it, or {@link #UNKNOWN_PEER}
     */
    static InetSocketAddress read(SmtpInput input, InetSocketAddress connection) throws IOException {
        int first = input.read();
        if (first == 'P') {
            return readV1(input, connection);
        }
        if (first == V2_SIGNATURE[0]) {
            return readV2(input, connection);
        }
        throw new MalformedException("no PROXY protocol header");
    }

    private static InetSocketAddress readV1(SmtpInput input, InetSocketAddress connection) throws IOException {
        StringBuilder line = new StringBuilder("P");
        while (true) {
            int b = input.read();
            if (b < 0 || line.length() >= V1_MAX) {
                throw new MalformedException("PROXY v1 header too long or cut short");
            }
            if (b == '\n') {
                break;
            }
            line.append((char) b);
        }
        if (line.length() == 0 || line.charAt(line.length() - 1) != '\r') {
            throw new MalformedException("PROXY v1 header must end with CRLF");
        }
        String[] parts = line.substring(0, line.length() - 1).split(" ", -1);
        if (!parts[0].equals("PROXY") || parts.length < 2) {
            throw new MalformedException("not a PROXY v1 header");
        }
        if (parts[1].equals("UNKNOWN")) {
            return UNKNOWN_PEER;
        }
        if (parts.length != 6 || !(parts[1].equals("TCP4") || parts[1].equals("TCP6"))) {
            throw new MalformedException("PROXY v1 header needs TCP4|TCP6 src dst sport dport");
        }
        InetAddress source = literal(parts[2], parts[1].equals("TCP4") ? 4 : 16);
        literal(parts[3], parts[1].equals("TCP4") ? 4 : 16);
        int port = port(parts[4]);
        port(parts[5]);
        return new InetSocketAddress(source, port);
    }

    private static InetAddress literal(String text, int length) throws MalformedException {
        InetAddress address = IpText.parse(text);
        if (address == null) {
            throw new MalformedException("bad address in PROXY header");
        }
        if (address.getAddress().length != length) {
            throw new MalformedException("address family does not match in PROXY header");
        }
        return address;
    }

    private static int port(String text) throws MalformedException {
        if (!text.matches("\\d{1,5}") || (text.length() > 1 && text.charAt(0) == '0')) {
            throw new MalformedException("bad port in PROXY header");
        }
        int port = Integer.parseInt(text);
        if (port > 65535) {
            throw new MalformedException("bad port in PROXY header");
        }
        return port;
    }

    private static InetSocketAddress readV2(SmtpInput input, InetSocketAddress connection) throws IOException {
        for (int i = 1; i < V2_SIGNATURE.length; i++) {
            if (input.read() != (V2_SIGNATURE[i] & 0xff)) {
                throw new MalformedException("bad PROXY v2 signature");
            }
        }
        int versionCommand = input.read();
        int family = input.read();
        int lengthHigh = input.read();
        int lengthLow = input.read();
        if (versionCommand < 0 || family < 0 || lengthHigh < 0 || lengthLow < 0) {
            throw new MalformedException("PROXY v2 header cut short");
        }
        if ((versionCommand >> 4) != 2) {
            throw new MalformedException("unsupported PROXY protocol version " + (versionCommand >> 4));
        }
        int command = versionCommand & 0x0f;
        int length = (lengthHigh << 8) | lengthLow;
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            int b = input.read();
            if (b < 0) {
                throw new MalformedException("PROXY v2 header cut short");
            }
            payload[i] = (byte) b;
        }
        if (command == 0x0) {
            // LOCAL: the proxy's own health check; the connection is what it is.
            return UNKNOWN_PEER;
        }
        if (command != 0x1) {
            throw new MalformedException("unknown PROXY v2 command " + command);
        }
        int addressFamily = family >> 4;
        int transport = family & 0x0f;
        if (transport != 1 && addressFamily != 0) {
            throw new MalformedException("PROXY v2 header is not for a stream connection");
        }
        if (addressFamily == 1 && length >= 12) {
            return new InetSocketAddress(address(payload, 0, 4), ((payload[8] & 0xff) << 8) | (payload[9] & 0xff));
        }
        if (addressFamily == 2 && length >= 36) {
            return new InetSocketAddress(address(payload, 0, 16), ((payload[32] & 0xff) << 8) | (payload[33] & 0xff));
        }
        if (addressFamily == 0) {
            return UNKNOWN_PEER;
        }
        throw new MalformedException("unsupported or short PROXY v2 address block");
    }

    private static InetAddress address(byte[] payload, int offset, int length) throws UnknownHostException {
        byte[] bytes = new byte[length];
        System.arraycopy(payload, offset, bytes, 0, length);
        return InetAddress.getByAddress(bytes);
    }

    static String describe(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
