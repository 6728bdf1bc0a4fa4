package io.github.smtpd.testing.autoconfigure;

import io.github.smtpd.testing.CapturedMail;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * Clears the captured mail and the failure rules before each test method of a class with
 * {@link AutoConfigureSmtpd}: a cached context carries its server from one test to the next.
 */
class SmtpdTestExecutionListener extends AbstractTestExecutionListener {

    @Override
    public int getOrder() {
        // After dependency injection, before the method.
        return 2100;
    }

    @Override
    public void beforeTestMethod(TestContext testContext) {
        if (TestContextAnnotationUtils.findMergedAnnotation(testContext.getTestClass(), AutoConfigureSmtpd.class) != null) {
            testContext.getApplicationContext().getBeanProvider(CapturedMail.class).ifAvailable(CapturedMail::clear);
        }
    }
}
