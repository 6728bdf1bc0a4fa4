package io.github.smtpd.autoconfigure.context;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Value;

/**
 * Injects the port the SMTP server actually listens on, like Spring Boot's {@code @LocalServerPort}:
 * a shortcut for {@code @Value("${local.smtpd.port}")}. Only resolvable once the server started, so use it
 * in tests and in beans created after start-up, not in beans the server depends on.
 */
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Value("${" + SmtpdPortInfoApplicationListener.PROPERTY_NAME + "}")
public @interface LocalSmtpdPort {
}
