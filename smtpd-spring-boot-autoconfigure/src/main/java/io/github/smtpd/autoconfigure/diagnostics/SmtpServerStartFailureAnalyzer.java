package io.github.smtpd.autoconfigure.diagnostics;

import io.github.smtpd.SmtpServerException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains the other reasons the server can not bind, e.g. a host name that does not resolve or an address
 * this machine does not have. The specific failures have their own analyzers, so this one declines them.
 */
class SmtpServerStartFailureAnalyzer extends AbstractFailureAnalyzer<SmtpServerException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SmtpServerException cause) {
        if (cause.getClass() != SmtpServerException.class) {
            return null;
        }
        return new FailureAnalysis(cause.getMessage(),
                "Check smtpd.localaddr: the host must be an address of this machine or a name that resolves to one "
                        + "(localhost, 0.0.0.0 for every interface, [::] for every IPv6 interface).",
                cause);
    }
}
