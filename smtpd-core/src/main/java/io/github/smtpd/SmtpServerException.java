package io.github.smtpd;

/** The server could not start or was misconfigured. */
public class SmtpServerException extends RuntimeException {

    public SmtpServerException(String message) {
        super(message);
    }

    public SmtpServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
