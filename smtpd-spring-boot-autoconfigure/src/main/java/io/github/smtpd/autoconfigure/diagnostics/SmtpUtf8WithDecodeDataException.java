package io.github.smtpd.autoconfigure.diagnostics;

import io.github.smtpd.SmtpServerException;

/**
 * {@code smtpd.decode-data} and {@code smtpd.enable-smtputf8} are both on; Python smtpd refused the same pair
 * with {@code ValueError("decode_data and enable_SMTPUTF8 cannot be set to True at the same time")}.
 */
public class SmtpUtf8WithDecodeDataException extends SmtpServerException {

    public SmtpUtf8WithDecodeDataException() {
        super("smtpd.decode-data and smtpd.enable-smtputf8 cannot both be true");
    }
}
