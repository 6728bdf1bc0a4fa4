package io.github.smtpd.autoconfigure.diagnostics;

import io.github.smtpd.SmtpServerException;

/** An {@code smtpd.*} property has a value the server can not use; the advice says what to set instead. */
public class InvalidSmtpdPropertyException extends SmtpServerException {

    private final String property;

    private final String advice;

    /**
     * @param property the full property name, e.g. {@code smtpd.proxy-protocol.trusted-proxies}
     * @param problem what is wrong, in a sentence
     * @param advice what to set instead, in a sentence
     */
    public InvalidSmtpdPropertyException(String property, String problem, String advice, Throwable cause) {
        super("Invalid " + property + ": " + problem, cause);
        this.property = property;
        this.advice = advice;
    }

    public String getProperty() {
        return property;
    }

    public String getAdvice() {
        return advice;
    }
}
