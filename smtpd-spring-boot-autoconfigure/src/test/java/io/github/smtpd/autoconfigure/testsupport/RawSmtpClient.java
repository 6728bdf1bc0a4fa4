package io.github.smtpd.autoconfigure.testsupport;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/** A socket-level SMTP client for tests that must stop half-way through a message, which no mail library does. */
public final class RawSmtpClient implements Closeable {

    private final Socket socket;

    private final BufferedReader in;

    private final OutputStream out;

    public RawSmtpClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(30_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
    }

    /** The connection, to wrap in TLS after STARTTLS. */
    public Socket socket() {
        return socket;
    }

    /** Sends a line with CRLF and returns the reply. */
    public String command(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    public void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one reply, its lines joined with LF, or {@code null} when the server closed the connection. */
    public String reply() throws IOException {
        StringBuilder reply = new StringBuilder();
        try {
            String line;
            while ((line = in.readLine()) != null) {
                reply.append(reply.length() > 0 ? "\n" : "").append(line);
                if (line.length() < 4 || line.charAt(3) != '-') {
                    return reply.toString();
                }
            }
        }
        catch (SocketException ex) {
            // Reset by the server: the same as a close for these tests.
        }
        return reply.length() > 0 ? reply.toString() : null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
