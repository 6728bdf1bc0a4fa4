package io.github.smtpd.autoconfigure.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains an {@code smtpd.*} property the server can not use, and what to set instead. */
class InvalidSmtpdPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSmtpdPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidSmtpdPropertyException cause) {
        return new FailureAnalysis("The SMTP server could not start: " + cause.getMessage(), cause.getAdvice(), cause);
    }
}
