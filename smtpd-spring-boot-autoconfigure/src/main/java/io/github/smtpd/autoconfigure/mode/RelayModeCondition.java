package io.github.smtpd.autoconfigure.mode;

import io.github.smtpd.autoconfigure.SmtpdProperties;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches in the modes that send mail on to an upstream ({@link SmtpdProperties.Mode#isRelaying()}: proxy and
 * mailman), binding {@code smtpd.mode} as the properties do.
 */
public class RelayModeCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        SmtpdProperties.Mode mode = Binder.get(context.getEnvironment())
            .bind("smtpd.mode", SmtpdProperties.Mode.class)
            .orElse(SmtpdProperties.Mode.DEFAULT);
        return mode.isRelaying() ? ConditionOutcome.match("smtpd.mode " + mode + " relays")
                : ConditionOutcome.noMatch("smtpd.mode " + mode + " does not relay");
    }
}
