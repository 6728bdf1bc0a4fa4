package io.github.smtpd.autoconfigure.actuate.health;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.smtpd.HostPort;
import io.github.smtpd.Protocol;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Checks that an upstream the relay modes send to answers: connect, read the 220 greeting, say EHLO (HELO when EHLO
 * is refused) or LHLO, and QUIT, all within one timeout. UP when the greeting and the hello were accepted; DOWN, with
 * the reply or the error, otherwise. It sends no MAIL, needs no credentials and does not start TLS: it asks whether
 * the upstream takes connections, not whether it would take a given message.
 */
final class UpstreamHealthIndicator implements HealthIndicator {

    private final HostPort address;

    private final Protocol protocol;

    private final String heloName;

    private final Duration timeout;

    UpstreamHealthIndicator(HostPort address, Protocol protocol, String heloName, Duration timeout) {
        this.address = address;
        this.protocol = protocol;
        this.heloName = heloName;
        this.timeout = timeout;
    }

    @Override
    public Health health() {
        Health.Builder builder = Health.unknown()
            .withDetail("address", address.toString())
            .withDetail("protocol", protocol.name());
        try {
            converse(builder);
        }
        catch (SocketTimeoutException ex) {
            builder.down().withDetail("error", "no answer within " + timeout.toMillis() + " ms");
        }
        catch (UnknownHostException ex) {
            builder.down().withDetail("error", "unknown host " + address.host());
        }
        catch (IOException ex) {
            builder.down().withDetail("error", ex.getClass().getSimpleName()
                    + (ex.getMessage() != null ? ": " + io.github.smtpd.Reply.sanitize(ex.getMessage()) : ""));
        }
        return builder.build();
    }

    private void converse(Health.Builder builder) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        InetSocketAddress target = new InetSocketAddress(address.host(), address.port());
        if (target.isUnresolved()) {
            throw new UnknownHostException(address.host());
        }
        try (Socket socket = new Socket()) {
            socket.connect(target, remainingMillis(deadline));
            Conversation conversation = new Conversation(socket, deadline);
            ReplyReader.Reply greeting = conversation.read();
            builder.withDetail("greeting", greeting.firstLine());
            if (greeting.code() != 220) {
                builder.down();
                return;
            }
            ReplyReader.Reply hello = conversation.command((protocol == Protocol.LMTP ? "LHLO " : "EHLO ") + heloName);
            if (protocol == Protocol.SMTP && hello.code() >= 500) {
                // An old server that does not know EHLO can still relay; the relay client falls back the same way.
                hello = conversation.command("HELO " + heloName);
            }
            builder.withDetail("hello", hello.firstLine());
            if (hello.code() == 250) {
                builder.up();
            }
            else {
                builder.down();
            }
            conversation.quit();
        }
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long remaining = (deadline - System.nanoTime()) / 1_000_000;
        if (remaining <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(Integer.MAX_VALUE, remaining);
    }

    /** One connection's commands and replies, every read bounded by what is left of the timeout. */
    private static final class Conversation {

        private final Socket socket;

        private final long deadline;

        private final ReplyReader replies;

        private final OutputStream out;

        Conversation(Socket socket, long deadline) throws IOException {
            this.socket = socket;
            this.deadline = deadline;
            this.replies = new ReplyReader(new BufferedInputStream(new DeadlineInputStream(socket.getInputStream())));
            this.out = socket.getOutputStream();
        }

        ReplyReader.Reply read() throws IOException {
            return replies.read();
        }

        ReplyReader.Reply command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return read();
        }

        /**
         * Re-arms the socket timeout with what is left before every read from the socket, so that an upstream
         * dripping one byte at a time can not stretch the check past its timeout.
         */
        private final class DeadlineInputStream extends FilterInputStream {

            DeadlineInputStream(InputStream in) {
                super(in);
            }

            @Override
            public int read() throws IOException {
                socket.setSoTimeout(remainingMillis(deadline));
                return super.read();
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                socket.setSoTimeout(remainingMillis(deadline));
                return super.read(buffer, offset, length);
            }
        }

        /** Says goodbye politely, so the upstream logs a clean session; its answer does not change the verdict. */
        void quit() {
            try {
                command("QUIT");
            }
            catch (IOException ex) {
                // Closed or slow already: the verdict stands.
            }
        }
    }
}
