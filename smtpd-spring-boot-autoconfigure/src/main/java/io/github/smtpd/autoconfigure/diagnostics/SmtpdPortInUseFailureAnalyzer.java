package io.github.smtpd.autoconfigure.diagnostics;

import io.github.smtpd.PortInUseException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a taken SMTP port, in the words Spring Boot uses for a taken web server port. */
class SmtpdPortInUseFailureAnalyzer extends AbstractFailureAnalyzer<PortInUseException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, PortInUseException cause) {
        String property = cause.isImplicitTls() ? "smtpd.ssl.implicit-localaddr" : "smtpd.localaddr";
        return new FailureAnalysis(cause.getMessage(),
                "Identify and stop the process that's listening on port " + cause.getPort()
                        + " or configure this application to listen on another port with " + property
                        + ", for example localhost:2526, or port 0 for a free port.",
                cause);
    }
}
