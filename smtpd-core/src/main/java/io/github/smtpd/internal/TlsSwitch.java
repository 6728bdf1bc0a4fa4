package io.github.smtpd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's switch to TLS, after STARTTLS or at once on the implicit TLS listener: the {@link TlsTransport}
 * over its channel, and the handshake, which the event loop drives step by step (the engine's slow work on
 * {@link TlsTasks}). STARTTLS's checks are in {@link ConnectionCommands}.
 */
final class TlsSwitch {

    /** The session's log category, as before the session was split. */
    private static final Logger logger = LoggerFactory.getLogger(Session.class);

    private final Session session;

    /** TLS over the session's channel through an SSLEngine, once it started; {@code null} in the clear. */
    private TlsTransport transport;

    /** Whether the loop drives this session's TLS handshake (see {@link #continueHandshake}); on its loop only. */
    private boolean handshaking;

    TlsSwitch(Session session) {
        this.session = session;
    }

    /** The TLS layer, or {@code null} in the clear. */
    TlsTransport transport() {
        return transport;
    }

    /** Whether the loop is in the middle of this session's handshake. */
    boolean isHandshaking() {
        return handshaking;
    }

    /** Switches to TLS once STARTTLS's 220 is out: what the client sent behind it never runs (CVE-2011-0411). */
    void startTls() throws IOException {
        session.output().flush();
        int dropped = session.input().discardBuffered();
        if (dropped > 0) {
            logger.warn("Session {}: dropped {} bytes sent after STARTTLS before the TLS handshake", session.id(),
                    dropped);
        }
        try {
            // The handshake only begins here: see Dispatcher.afterCommand and continueHandshake.
            startTransport(new byte[0]);
        }
        catch (IOException ex) {
            failed(ex);
        }
    }

    /** The handshake failed: the session ends without another word (there is no channel for one). */
    private void failed(IOException ex) {
        logger.info("Session {}: TLS handshake with {} failed: {}", session.id(), session.peer(), ex.toString());
        session.ended("tls-failed");
        session.listener.tlsHandshake(session, false);
        session.closeRequested = true;
        session.output().markClosed();
    }

    /** The handshake succeeded: after STARTTLS, the session forgets what it learned in the clear. */
    private void started() {
        session.listener.tlsHandshake(session, true);
        // RFC 3207 4.2: forget everything learned before TLS; the client must greet again (implicit TLS: a no-op).
        session.abortTransaction();
        session.greeted(null, false);
        session.authenticated(null);
    }

    /**
     * Starts TLS over the channel through an SSLEngine; what is buffered for the client still goes in the clear.
     * The handshake only begins here; the loop drives it ({@link #continueHandshake}).
     *
     * @param consumed bytes already read that belong to the handshake
     */
    void startTransport(byte[] consumed) throws IOException {
        transport = new TlsTransport(Tls.engine(session.settings(),
                (InetSocketAddress) session.channel.getRemoteAddress()), session.channel, consumed);
        transport.pooledBy(session.loop);
        session.output().channel().startTls(transport);
        session.timeouts().handshakeStarted();
        // The caller goes on with continueHandshake once it has said what it had to.
        handshaking = true;
    }

    /**
     * Drives the handshake on the loop as far as it goes without waiting; the loop calls again when the client's
     * bytes come or it takes ours, or when the engine's slow work (keys, certificates) is done on {@link TlsTasks}.
     */
    void continueHandshake() throws IOException {
        TlsTransport.Progress progress;
        try {
            // The 220 to STARTTLS goes out in the clear first.
            session.output().flush();
            progress = session.output().channel().hasPending() ? TlsTransport.Progress.WRITE : transport.handshake();
            if (progress == TlsTransport.Progress.TASK) {
                session.key.interestOps(0);
                java.util.function.BooleanSupplier ended = () -> session.isFinished() || session.output().isClosed();
                Executor tasks = session.settings().tlsTaskExecutor();
                transport.runTasks(tasks != null ? tasks : TlsTasks.EXECUTOR, ended, () -> session.loop.execute(() -> {
                    if (!session.isFinished()) {
                        session.step(this::continueHandshake);
                    }
                }));
                return;
            }
        }
        catch (IOException | java.util.concurrent.RejectedExecutionException ex) {
            failed(ex instanceof IOException io ? io : new IOException("No thread for the TLS handshake", ex));
            session.finish();
            return;
        }
        if (progress != TlsTransport.Progress.DONE) {
            session.key.interestOps(progress == TlsTransport.Progress.READ ? java.nio.channels.SelectionKey.OP_READ
                    : java.nio.channels.SelectionKey.OP_WRITE);
            return;
        }
        handshaking = false;
        session.timeouts().handshakeEnded();
        session.secured(transport.session());
        started();
        if (session.implicitTls && !session.greet()) {
            session.finish();
            return;
        }
        session.driver().processInput();
    }
}
