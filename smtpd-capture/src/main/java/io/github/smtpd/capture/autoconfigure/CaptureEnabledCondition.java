package io.github.smtpd.capture.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Capture is on when {@code smtpd.capture.enabled} says so, and when unset in debugging mode. */
class CaptureEnabledCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Environment environment = context.getEnvironment();
        Boolean enabled = environment.getProperty("smtpd.capture.enabled", Boolean.class);
        if (enabled != null) {
            return new ConditionOutcome(enabled, "smtpd.capture.enabled is " + enabled);
        }
        String mode = environment.getProperty("smtpd.mode", "default");
        boolean debugging = "debugging".equalsIgnoreCase(mode.trim());
        return new ConditionOutcome(debugging, "smtpd.capture.enabled is unset and smtpd.mode is " + mode);
    }
}
