package io.github.smtpd.autoconfigure.security;

import io.github.smtpd.SmtpAuthenticator;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * When the application has Spring Security and no {@link SmtpAuthenticator}, SMTP AUTH checks passwords with its
 * {@link AuthenticationManager}, or else with its {@link UserDetailsService} (and {@link PasswordEncoder}).
 */
@AutoConfiguration(before = SmtpdAutoConfiguration.class,
        afterName = "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration")
@ConditionalOnClass({ AuthenticationManager.class, io.github.smtpd.SmtpServer.class })
@org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
public final class SmtpdSecurityAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(SmtpAuthenticator.class)
    @Conditional(HasAuthenticationSource.class)
    SpringSecuritySmtpAuthenticator springSecuritySmtpAuthenticator(ObjectProvider<AuthenticationManager> manager,
            ObjectProvider<UserDetailsService> users, ObjectProvider<PasswordEncoder> encoder) {
        AuthenticationManager authenticationManager = manager.getIfUnique(() -> {
            // The condition guarantees one of the two: a single AuthenticationManager, or a single user store.
            DaoAuthenticationProvider provider = new DaoAuthenticationProvider(users.getIfUnique());
            provider.setPasswordEncoder(encoder.getIfUnique(PasswordEncoderFactories::createDelegatingPasswordEncoder));
            return new ProviderManager(provider);
        });
        return new SpringSecuritySmtpAuthenticator(authenticationManager);
    }

    /** One AuthenticationManager or one UserDetailsService bean: something unambiguous that can check a password. */
    static final class HasAuthenticationSource extends AnyNestedCondition {

        HasAuthenticationSource() {
            super(ConfigurationCondition.ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnSingleCandidate(AuthenticationManager.class)
        static final class Manager {
        }

        @ConditionalOnSingleCandidate(UserDetailsService.class)
        static final class Users {
        }
    }
}
