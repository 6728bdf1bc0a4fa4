package io.github.smtpd.autoconfigure.testsupport;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A real socket on 127.0.0.1 that plays a misbehaving upstream a real server will not imitate: it sends
 * {@code greeting} (nothing when {@code null}) and answers each line with {@code answer}'s text, closing the
 * connection when that is {@code null}. It records the lines it received. With a {@code drip} pause it sends every
 * reply a byte at a time, each byte well within any read timeout, as a stalling upstream can.
 */
public final class ScriptedServer implements Closeable {

    private final ServerSocket socket;

    private final List<String> received = new CopyOnWriteArrayList<>();

    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    private final Duration drip;

    public ScriptedServer(String greeting, Function<String, String> answer) throws IOException {
        this(greeting, answer, Duration.ZERO);
    }

    public ScriptedServer(String greeting, Function<String, String> answer, Duration drip) throws IOException {
        this.drip = drip;
        socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(() -> serve(greeting, answer), "scripted-upstream");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve(String greeting, Function<String, String> answer) {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                connections.add(connection);
                Thread session = new Thread(() -> converse(connection, greeting, answer), "scripted-session");
                session.setDaemon(true);
                session.start();
            }
            catch (IOException ex) {
                return;
            }
        }
    }

    private void converse(Socket connection, String greeting, Function<String, String> answer) {
        try (connection) {
            OutputStream out = connection.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                    StandardCharsets.US_ASCII));
            if (greeting == null) {
                // Silent: hold the connection until the client gives up.
                in.read();
                return;
            }
            send(out, greeting);
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
                String reply = answer.apply(line);
                if (reply == null) {
                    return;
                }
                send(out, reply);
            }
        }
        catch (IOException | InterruptedException ex) {
            // The client hung up, or the server was closed.
        }
    }

    private void send(OutputStream out, String line) throws IOException, InterruptedException {
        byte[] bytes = (line + "\r\n").getBytes(StandardCharsets.US_ASCII);
        if (drip.isZero()) {
            out.write(bytes);
            out.flush();
            return;
        }
        for (byte b : bytes) {
            out.write(b);
            out.flush();
            Thread.sleep(drip.toMillis());
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    public List<String> received() {
        return received;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket connection : connections) {
            connection.close();
        }
    }
}
