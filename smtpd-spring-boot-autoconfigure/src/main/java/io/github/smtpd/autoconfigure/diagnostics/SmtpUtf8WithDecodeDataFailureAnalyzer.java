package io.github.smtpd.autoconfigure.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains why {@code decode-data} and {@code enable-smtputf8} exclude each other. */
class SmtpUtf8WithDecodeDataFailureAnalyzer extends AbstractFailureAnalyzer<SmtpUtf8WithDecodeDataException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SmtpUtf8WithDecodeDataException cause) {
        return new FailureAnalysis(
                "The SMTP server could not start: smtpd.decode-data and smtpd.enable-smtputf8 are both true. "
                        + "SMTPUTF8 hands processors the raw bytes of internationalized mail, which decode-data "
                        + "would turn into text (Python smtpd refused the same combination).",
                "Set smtpd.decode-data=false to accept SMTPUTF8 mail (processors can still call Message.text()), "
                        + "or set smtpd.enable-smtputf8=false.",
                cause);
    }
}
