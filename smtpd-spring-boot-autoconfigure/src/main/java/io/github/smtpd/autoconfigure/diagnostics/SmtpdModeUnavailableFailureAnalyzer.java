package io.github.smtpd.autoconfigure.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a mode that nothing implements in this build. */
class SmtpdModeUnavailableFailureAnalyzer extends AbstractFailureAnalyzer<SmtpdModeUnavailableException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SmtpdModeUnavailableException cause) {
        return new FailureAnalysis(
                "The SMTP server could not start: smtpd.mode is '" + cause.getMode()
                        + "', but no SmtpHandler bean implements it (SmtpdModeAutoConfiguration, which makes the "
                        + "built-in modes, is excluded or was replaced).",
                "Include SmtpdModeAutoConfiguration again, define your own SmtpHandler bean, or set "
                        + "smtpd.mode=default and define MessageProcessor beans.",
                cause);
    }
}
