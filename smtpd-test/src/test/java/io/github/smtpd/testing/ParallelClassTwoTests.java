package io.github.smtpd.testing;

import java.time.Duration;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs at the same time as {@link ParallelClassOneTests} (this module runs test classes concurrently): each
 * sees its own messages only.
 */
class ParallelClassTwoTests {

    @RegisterExtension
    static SmtpdExtension smtpd = SmtpdExtension.create().perClass();

    @RepeatedTest(5)
    void seesOnlyItsOwnMail() throws Exception {
        ParallelMail.sendAndCheck(smtpd, "two");
    }
}
