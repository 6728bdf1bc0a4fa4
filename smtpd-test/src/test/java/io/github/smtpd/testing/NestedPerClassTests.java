package io.github.smtpd.testing;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A per-class server serves the nested classes too: one server, not one more per nested class. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NestedPerClassTests {

    @RegisterExtension
    static SmtpdExtension smtpd = SmtpdExtension.create().perClass();

    static int outerPort;

    @Test
    @Order(1)
    void theOuterClassHasItsServer() {
        outerPort = smtpd.port();
        assertThat(smtpd.captured().server().isRunning()).isTrue();
    }

    @Nested
    class Inner {

        @Test
        void seesTheSameServer() {
            assertThat(smtpd.port()).isEqualTo(outerPort);
        }
    }
}
