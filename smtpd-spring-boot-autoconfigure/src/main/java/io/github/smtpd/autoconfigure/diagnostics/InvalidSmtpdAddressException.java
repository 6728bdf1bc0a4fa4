package io.github.smtpd.autoconfigure.diagnostics;

import io.github.smtpd.SmtpServerException;

/** {@code smtpd.localaddr} or {@code smtpd.remoteaddr} is not a {@code host:port} address. */
public class InvalidSmtpdAddressException extends SmtpServerException {

    private final String property;

    private final String value;

    /**
     * @param property the full property name, e.g. {@code smtpd.localaddr}
     * @param value the configured text
     * @param cause the parser's explanation
     */
    public InvalidSmtpdAddressException(String property, String value, IllegalArgumentException cause) {
        super("Invalid " + property + ": " + cause.getMessage(), cause);
        this.property = property;
        this.value = value;
    }

    public String getProperty() {
        return property;
    }

    public String getValue() {
        return value;
    }
}
