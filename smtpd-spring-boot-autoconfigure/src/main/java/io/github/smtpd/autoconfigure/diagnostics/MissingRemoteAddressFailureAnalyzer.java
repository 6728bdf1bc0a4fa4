package io.github.smtpd.autoconfigure.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a relaying mode configured without an upstream. */
class MissingRemoteAddressFailureAnalyzer extends AbstractFailureAnalyzer<MissingRemoteAddressException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingRemoteAddressException cause) {
        return new FailureAnalysis(
                "The SMTP server could not start: smtpd.mode is '" + cause.getMode()
                        + "', which relays every message to smtpd.remoteaddr, but smtpd.remoteaddr is empty.",
                "Set smtpd.remoteaddr to the upstream SMTP server as host:port (for example mail.example.com:25), "
                        + "or set smtpd.mode=default to handle messages with MessageProcessor beans.",
                cause);
    }
}
