package io.github.smtpd;

/** The server could not bind one of its listening ports because another process holds it. */
public class PortInUseException extends SmtpServerException {

    private final int port;

    private final boolean implicitTls;

    public PortInUseException(int port, Throwable cause) {
        this(port, false, cause);
    }

    /**
     * @param implicitTls whether the port is the implicit TLS listener's ({@code implicitTlsAddress}) rather than
     *        the main one's
     */
    public PortInUseException(int port, boolean implicitTls, Throwable cause) {
        super("SMTP server failed to start. Port " + port + (implicitTls ? " (implicit TLS)" : "")
                + " was already in use.", cause);
        this.port = port;
        this.implicitTls = implicitTls;
    }

    public int getPort() {
        return port;
    }

    /** Whether the taken port is the implicit TLS listener's, not the main one's. */
    public boolean isImplicitTls() {
        return implicitTls;
    }
}
