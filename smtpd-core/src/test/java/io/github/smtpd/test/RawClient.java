package io.github.smtpd.test;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A raw-socket SMTP client for tests: sends exactly the bytes given and reads replies line by line. */
public final class RawClient implements Closeable {

    private Socket socket;

    private InputStream in;

    private OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects without reading the greeting. */
    public static RawClient open(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        return new RawClient(socket);
    }

    /** Connects and checks the 220 greeting. */
    public static RawClient connect(InetSocketAddress address) throws IOException {
        RawClient client = open(address);
        String greeting = client.readReply();
        if (!greeting.startsWith("220 ")) {
            throw new IllegalStateException("Expected a 220 greeting, got " + greeting);
        }
        return client;
    }

    /** Turns the connection into TLS (after a 220 to STARTTLS, or at once for implicit TLS). */
    public RawClient startTls(javax.net.ssl.SSLSocketFactory factory) throws IOException {
        javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) factory.createSocket(socket, "localhost",
                socket.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.startHandshake();
        socket = ssl;
        in = ssl.getInputStream();
        out = ssl.getOutputStream();
        return this;
    }

    public Socket socket() {
        return socket;
    }

    /** Sends a command with CRLF and returns the whole (possibly multi-line) reply. */
    public String command(String line) throws IOException {
        send(line + "\r\n");
        return readReply();
    }

    /**
     * Greets, names the sender and recipients and sends DATA, without checking the replies in between; returns
     * the reply to DATA. For tests about what happens after it.
     */
    public String openData(String greeting, String from, String... recipients) throws IOException {
        command(greeting);
        command("MAIL FROM:<" + from + ">");
        for (String recipient : recipients) {
            command("RCPT TO:<" + recipient + ">");
        }
        return command("DATA");
    }

    public void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public OutputStream output() {
        return out;
    }

    /** Reads one reply; lines of a multi-line reply are joined with LF. Returns null at end of stream. */
    public String readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) {
                return lines.isEmpty() ? null : String.join("\n", lines);
            }
            lines.add(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return String.join("\n", lines);
            }
        }
    }

    /** Reads one line without its CRLF, or null at end of stream. */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    /** Whether the server has closed the connection (reads end of stream). */
    public boolean isClosedByServer() throws IOException {
        try {
            return in.read() < 0;
        }
        catch (java.net.SocketException ex) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
