package io.github.smtpd.autoconfigure.diagnostics;

import io.github.smtpd.SmtpServerException;

/**
 * The configured {@code smtpd.mode} has no handler: nothing on the class path contributes an
 * {@code SmtpHandler} bean for it.
 */
public class SmtpdModeUnavailableException extends SmtpServerException {

    private final String mode;

    /** @param mode the configured mode as written in properties, e.g. {@code debugging} */
    public SmtpdModeUnavailableException(String mode) {
        super("smtpd.mode=" + mode + " is not available: no SmtpHandler bean implements it");
        this.mode = mode;
    }

    public String getMode() {
        return mode;
    }
}
