package io.github.smtpd.autoconfigure.mode;

import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/** Matches in the modes that send mail on to an upstream: {@code smtpd.mode=proxy} and {@code smtpd.mode=mailman}. */
public class RelayModeCondition extends AnyNestedCondition {

    public RelayModeCondition() {
        super(ConfigurationPhase.REGISTER_BEAN);
    }

    @ConditionalOnProperty(name = "smtpd.mode", havingValue = "proxy")
    static class Proxy {
    }

    @ConditionalOnProperty(name = "smtpd.mode", havingValue = "mailman")
    static class Mailman {
    }
}
