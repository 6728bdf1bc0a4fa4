package io.github.smtpd.autoconfigure.diagnostics;

import io.github.smtpd.SmtpServerException;

/** A relaying mode (proxy, mailman) was chosen but {@code smtpd.remoteaddr} is empty. */
public class MissingRemoteAddressException extends SmtpServerException {

    private final String mode;

    /** @param mode the configured mode as written in properties, e.g. {@code proxy} */
    public MissingRemoteAddressException(String mode) {
        super("smtpd.mode=" + mode + " relays messages, but smtpd.remoteaddr is empty");
        this.mode = mode;
    }

    public String getMode() {
        return mode;
    }
}
