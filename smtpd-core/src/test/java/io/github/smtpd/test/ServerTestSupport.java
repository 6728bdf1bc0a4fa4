package io.github.smtpd.test;

import java.time.Duration;

import io.github.smtpd.SmtpServer;
import org.junit.jupiter.api.AfterEach;

/** Holds the server a test starts and stops it after the test, whatever happened. */
public abstract class ServerTestSupport {

    protected SmtpServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    /** Builds and starts the server, which is stopped after the test. */
    protected SmtpServer launch(SmtpServer.Builder builder) {
        server = builder.build();
        server.start();
        return server;
    }

    /** A client connected to the server, past its greeting. */
    protected RawClient connect() throws java.io.IOException {
        return RawClient.connect(TestServers.address(server));
    }

    /** Whether {@code condition} holds within 10 seconds. */
    protected static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
