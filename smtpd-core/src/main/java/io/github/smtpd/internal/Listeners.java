package io.github.smtpd.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.SmtpSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans events out to every listener, so that one failing listener can not break a session. */
public final class Listeners implements SmtpServerListener {

    private static final Logger logger = LoggerFactory.getLogger(Listeners.class);

    private final List<SmtpServerListener> listeners;

    private Listeners(List<SmtpServerListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    public static SmtpServerListener composite(List<SmtpServerListener> listeners) {
        return new Listeners(listeners);
    }

    @Override
    public void sessionOpened(SmtpSession session) {
        for (SmtpServerListener listener : listeners) {
            try {
                listener.sessionOpened(session);
            }
            catch (RuntimeException ex) {
                failed(listener, ex);
            }
        }
    }

    @Override
    public void sessionClosed(SmtpSession session) {
        for (SmtpServerListener listener : listeners) {
            try {
                listener.sessionClosed(session);
            }
            catch (RuntimeException ex) {
                failed(listener, ex);
            }
        }
    }

    @Override
    public void commandCompleted(SmtpSession session, String verb, Reply reply) {
        for (SmtpServerListener listener : listeners) {
            try {
                listener.commandCompleted(session, verb, reply);
            }
            catch (RuntimeException ex) {
                failed(listener, ex);
            }
        }
    }

    @Override
    public void messageCompleted(SmtpSession session, Message message, Reply reply, Duration processingTime) {
        for (SmtpServerListener listener : listeners) {
            try {
                listener.messageCompleted(session, message, reply, processingTime);
            }
            catch (RuntimeException ex) {
                failed(listener, ex);
            }
        }
    }

    @Override
    public void messageRefused(SmtpSession session, long size, Reply reply) {
        for (SmtpServerListener listener : listeners) {
            try {
                listener.messageRefused(session, size, reply);
            }
            catch (RuntimeException ex) {
                failed(listener, ex);
            }
        }
    }

    @Override
    public void tlsHandshake(SmtpSession session, boolean success) {
        for (SmtpServerListener listener : listeners) {
            try {
                listener.tlsHandshake(session, success);
            }
            catch (RuntimeException ex) {
                failed(listener, ex);
            }
        }
    }

    @Override
    public void authRateLimited(SmtpSession session) {
        for (SmtpServerListener listener : listeners) {
            try {
                listener.authRateLimited(session);
            }
            catch (RuntimeException ex) {
                failed(listener, ex);
            }
        }
    }

    @Override
    public void connectionRejected(InetSocketAddress peer, String reason) {
        for (SmtpServerListener listener : listeners) {
            try {
                listener.connectionRejected(peer, reason);
            }
            catch (RuntimeException ex) {
                failed(listener, ex);
            }
        }
    }

    private static void failed(SmtpServerListener listener, RuntimeException ex) {
        logger.warn("SMTP server listener {} failed; ignoring", listener, ex);
    }
}
