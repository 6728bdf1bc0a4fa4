package io.github.smtpd.test;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A TLS client that shows its records: an {@link SSLEngine} over a plain socket, so a test can send TLS bytes in
 * an order a well-behaved client never would (data behind close_notify, a hello and then silence).
 */
public final class EngineClient implements Closeable {

    private final Socket socket;

    private final InputStream in;

    private final OutputStream out;

    private final SSLEngine engine;

    private ByteBuffer netIn;

    private final ByteBuffer appIn;

    private final StringBuilder text = new StringBuilder();

    /** Over {@code socket}, already connected (after a 220 to STARTTLS, or at once for implicit TLS). */
    public EngineClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.engine = TestTls.clientContext().createSSLEngine("localhost", socket.getPort());
        engine.setUseClientMode(true);
        netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        engine.beginHandshake();
    }

    /** The first handshake flight (the client hello), without sending it. */
    public byte[] hello() throws IOException {
        return wrap(ByteBuffer.allocate(0));
    }

    /** Does the whole handshake. */
    public EngineClient handshake() throws IOException {
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> send(wrap(ByteBuffer.allocate(0)));
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrapSome();
                default -> {
                    return this;
                }
            }
        }
    }

    /** {@code line} and CRLF as one TLS record, not sent. */
    public byte[] record(String line) throws IOException {
        return wrap(ByteBuffer.wrap((line + "\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    /** Our close_notify, not sent. After it no more records can be made. */
    public byte[] closeNotify() throws IOException {
        engine.closeOutbound();
        return wrap(ByteBuffer.allocate(0));
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends {@code line} and returns the reply's last line, or null when the server closed the connection. */
    public String command(String line) throws IOException {
        send(record(line));
        return readLine();
    }

    /** The next line the server sent, decrypted, or null at the end of the stream (or its close_notify). */
    public String readLine() throws IOException {
        while (true) {
            int end = text.indexOf("\r\n");
            if (end >= 0) {
                String line = text.substring(0, end);
                text.delete(0, end + 2);
                if (line.length() > 3 && line.charAt(3) == '-') {
                    continue;
                }
                return line;
            }
            if (engine.isInboundDone() || !unwrapSome()) {
                return null;
            }
        }
    }

    /** Unwraps what comes next; false at the end of the stream. */
    private boolean unwrapSome() throws IOException {
        while (true) {
            netIn.flip();
            SSLEngineResult result;
            try {
                result = engine.unwrap(netIn, appIn);
            }
            finally {
                netIn.compact();
            }
            appIn.flip();
            text.append(StandardCharsets.UTF_8.decode(appIn));
            appIn.clear();
            if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                return false;
            }
            if (result.getStatus() != SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                return true;
            }
            if (!netIn.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(netIn.capacity() * 2);
                netIn.flip();
                bigger.put(netIn);
                netIn = bigger;
            }
            int read = in.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
            if (read < 0) {
                return false;
            }
            netIn.position(netIn.position() + read);
        }
    }

    private byte[] wrap(ByteBuffer source) throws SSLException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        do {
            net.clear();
            SSLEngineResult result = engine.wrap(source, net);
            net.flip();
            bytes.write(net.array(), 0, net.limit());
            if (result.getStatus() == SSLEngineResult.Status.CLOSED || result.bytesProduced() == 0) {
                break;
            }
        }
        while (source.hasRemaining());
        return bytes.toByteArray();
    }

    /** Whether the server has closed the connection: the socket reads its end (after any records it sent). */
    public boolean isClosedByServer() {
        try {
            byte[] rest = new byte[4096];
            while (true) {
                if (in.read(rest) < 0) {
                    return true;
                }
            }
        }
        catch (IOException ex) {
            return ex instanceof java.net.SocketException;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
