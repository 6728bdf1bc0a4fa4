package io.github.smtpd.relay;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

import javax.net.ssl.SSLException;

import io.github.smtpd.Reply;

/** How an upstream connection fails: the failures of its own making, and each failure put in words for the log. */
final class Failures {

    private Failures() {
    }

    static String describe(Throwable ex) {
        if (ex instanceof DeadlineExceededException) {
            return ex.getMessage();
        }
        if (ex instanceof ConnectException) {
            return "connection refused";
        }
        if (ex instanceof SocketTimeoutException) {
            return "timed out";
        }
        if (ex instanceof UnknownHostException) {
            return "unknown host";
        }
        if (ex instanceof EOFException) {
            return "connection closed by the upstream";
        }
        if (ex instanceof RefusedException || ex instanceof Closing) {
            return ex.getMessage();
        }
        return ex.getClass().getSimpleName() + (ex.getMessage() != null ? ": " + ex.getMessage() : "");
    }

    /** The upstream answered, but not in a way that lets us use it. */
    static final class RefusedException extends IOException {

        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }

    /** The upstream answered 421 and is closing the connection. */
    static final class Closing extends IOException {

        private static final long serialVersionUID = 1L;

        Closing(Reply reply) {
            super("closing the connection: " + reply);
        }
    }

    /** An opportunistic handshake failed: the caller may try again in clear text. */
    static final class OpportunisticTlsFailure extends IOException {

        private static final long serialVersionUID = 1L;

        OpportunisticTlsFailure(SSLException cause) {
            super(cause);
        }
    }
}
