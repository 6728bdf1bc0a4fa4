package io.github.smtpd;

/** The server could not bind its listening port because another process holds it. */
public class PortInUseException extends SmtpServerException {

    private final int port;

    public PortInUseException(int port, Throwable cause) {
        super("SMTP server failed to start. Port " + port + " was already in use.", cause);
        this.port = port;
    }

    public int getPort() {
        return port;
    }
}
