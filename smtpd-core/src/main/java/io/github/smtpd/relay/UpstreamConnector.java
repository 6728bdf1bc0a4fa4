package io.github.smtpd.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.github.smtpd.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link UpstreamClient#connect}: tries the configured addresses in order, each with its connect timeout and what
 * is left of the overall deadline, sets the first that answers up ({@link Handshake}), and tries it again in clear
 * text when opportunistic TLS fails. When none can be used, says why for each.
 */
final class UpstreamConnector {

    /** The client's logger, so that the relay's log lines keep the name they always had. */
    private static final Logger logger = LoggerFactory.getLogger(UpstreamClient.class);

    private UpstreamConnector() {
    }

    /** See {@link UpstreamClient#connect}. */
    static UpstreamClient connect(UpstreamOptions options, String defaultHeloName) throws UpstreamException {
        Objects.requireNonNull(options, "options");
        String heloName = options.heloName() != null ? options.heloName() : defaultHeloName;
        // One deadline for every address tried and the conversation after: it bounds the caller's wait.
        long deadlineAt = options.deadline() != null ? System.nanoTime() + options.deadline().toNanos() : 0;
        Tried tried = new Tried();
        for (HostPort address : options.addresses()) {
            if (options.deadline() != null && System.nanoTime() - deadlineAt >= 0) {
                tried.failed(address, new DeadlineExceededException(options.deadline(), null));
                break;
            }
            try {
                return open(options, address, heloName, options.startTls() != StartTls.DISABLED, deadlineAt, tried);
            }
            catch (Failures.OpportunisticTlsFailure ex) {
                logger.warn("STARTTLS with {} failed ({}); sending in clear text, as opportunistic TLS allows",
                        address, Failures.describe(ex.getCause()));
                try {
                    return open(options, address, heloName, false, deadlineAt, tried);
                }
                catch (IOException retry) {
                    tried.failed(address, retry);
                }
            }
            catch (IOException ex) {
                tried.failed(address, ex);
            }
        }
        throw tried.exhausted();
    }

    private static UpstreamClient open(UpstreamOptions options, HostPort address, String heloName, boolean tls,
            long deadlineAt, Tried tried) throws IOException {
        tried.heard = null;
        InetSocketAddress target = new InetSocketAddress(address.host(), address.port());
        if (target.isUnresolved()) {
            throw new UnknownHostException("unknown host " + address.host());
        }
        // A channel's socket, so that the connection can move onto an event loop once it is set up.
        SocketChannel channel = SocketChannel.open();
        Socket raw = channel.socket();
        Deadline deadline = options.deadline() != null ? Deadline.watch(raw, deadlineAt, options.deadline()) : null;
        Handshake handshake = null;
        try {
            raw.connect(target, deadline != null ? deadline.shorten(options.connectTimeout())
                    : UpstreamConnection.millis(options.connectTimeout()));
            raw.setSoTimeout(UpstreamConnection.millis(options.timeout()));
            raw.setTcpNoDelay(true);
            UpstreamConnection connection = new UpstreamConnection(options, address, channel, deadline);
            handshake = new Handshake(connection, options);
            handshake.run(heloName, tls);
            logger.debug("Connected to upstream {} ({}{})", address, options.protocol(),
                    connection.isSecure() ? ", TLS" : "");
            return new UpstreamClient(options, connection, handshake);
        }
        catch (IOException | RuntimeException ex) {
            UpstreamConnection.closeQuietly(raw);
            if (handshake != null && handshake.greeted()) {
                tried.heard = handshake.greetings();
            }
            if (deadline != null && deadline.passed()) {
                // The watchdog closed the socket under whatever was waiting: say why, not "socket closed".
                throw deadline.exceeded(ex);
            }
            throw ex;
        }
    }

    /** The addresses {@link #connect} gave up on and why, for the exception that says none could be used. */
    private static final class Tried {

        private final List<String> reasons = new ArrayList<>();

        private IOException last;

        /** What the address being tried said before it failed; {@code null} when it did not greet. */
        private Greetings heard;

        void failed(HostPort address, IOException why) {
            reasons.add(address + ": " + Failures.describe(why));
            last = why;
        }

        UpstreamException exhausted() {
            String why = "No upstream could be used: " + String.join("; ", reasons);
            logger.warn(why);
            return new UpstreamException(UpstreamClient.UNAVAILABLE, why, last, heard);
        }
    }
}
