package io.github.smtpd.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Locale;

import io.github.smtpd.PortInUseException;
import io.github.smtpd.SmtpServerException;

/** The server's listening sockets: bound with the failures a user can act on, and closed quietly. */
public final class ServerSockets {

    private ServerSockets() {
    }

    /**
     * Binds a listener.
     *
     * @throws PortInUseException when the port is taken
     * @throws SmtpServerException when the address can not be bound for another reason
     */
    public static ServerSocket bind(InetSocketAddress requestedAddress, boolean implicitTls, int backlog) {
        ServerSocket socket = null;
        try {
            // Through a channel, so that accepted connections can be watched by an event loop's selector.
            socket = java.nio.channels.ServerSocketChannel.open().socket();
            socket.setReuseAddress(true);
            socket.bind(requestedAddress.isUnresolved()
                    ? new InetSocketAddress(InetAddress.getByName(requestedAddress.getHostString()), requestedAddress.getPort())
                    : requestedAddress, backlog);
            return socket;
        }
        catch (BindException ex) {
            closeQuietly(socket);
            if (ex.getMessage() != null && ex.getMessage().toLowerCase(Locale.ROOT).contains("in use")) {
                throw new PortInUseException(requestedAddress.getPort(), implicitTls, ex);
            }
            throw new SmtpServerException("SMTP server failed to start. Could not bind "
                    + format(requestedAddress) + ": " + ex.getMessage(), ex);
        }
        catch (UnknownHostException ex) {
            closeQuietly(socket);
            throw new SmtpServerException("SMTP server failed to start. Unknown host '"
                    + requestedAddress.getHostString() + "' in the local address", ex);
        }
        catch (IOException ex) {
            closeQuietly(socket);
            throw new SmtpServerException("SMTP server failed to start on " + format(requestedAddress), ex);
        }
    }

    /**
     * Binds the implicit TLS listener beside the bound {@code plain} one, or returns {@code null} when there is no
     * such listener ({@code address} null); when it can not be bound, closes {@code plain} and throws as
     * {@link #bind} does.
     */
    public static ServerSocket bindImplicitTls(ServerSocket plain, InetSocketAddress address, int backlog) {
        if (address == null) {
            return null;
        }
        try {
            return bind(address, true, backlog);
        }
        catch (RuntimeException ex) {
            closeQuietly(plain);
            throw ex;
        }
    }

    /** {@code host:port}, with an IPv6 host in brackets. */
    public static String format(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    public static void closeQuietly(java.io.Closeable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            }
            catch (IOException ex) {
                // Nothing left to do with it.
            }
        }
    }
}
