package io.github.smtpd.autoconfigure.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of the per-message observation. Define a bean of this type to change them; the default is
 * {@link DefaultSmtpMessageObservationConvention}.
 */
public interface SmtpMessageObservationConvention extends ObservationConvention<SmtpMessageObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof SmtpMessageObservationContext;
    }
}
