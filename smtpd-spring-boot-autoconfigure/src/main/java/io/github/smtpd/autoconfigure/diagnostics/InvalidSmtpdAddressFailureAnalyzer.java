package io.github.smtpd.autoconfigure.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains an unparsable {@code smtpd.localaddr} or {@code smtpd.remoteaddr}. */
class InvalidSmtpdAddressFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSmtpdAddressException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidSmtpdAddressException cause) {
        // The parser's message already quotes the value and says what is wrong with it.
        String description = "The SMTP server could not start because of " + cause.getProperty() + ": "
                + cause.getCause().getMessage() + ".";
        String action = "smtpd.remoteaddr".equals(cause.getProperty())
                ? "Set smtpd.remoteaddr to the upstream SMTP server as host:port, for example mail.example.com:25 "
                        + "(IPv6 in brackets, e.g. [2001:db8::1]:25), or leave it empty in the default mode."
                : "Set " + cause.getProperty() + " to the address to listen on as host:port, for example "
                        + "localhost:8025 or 0.0.0.0:2525 (IPv6 in brackets, e.g. [::1]:2525; port 0 picks a free port).";
        return new FailureAnalysis(description, action, cause);
    }
}
