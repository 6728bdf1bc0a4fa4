package io.github.smtpd.internal;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClientEventWindowTest {

    private final AtomicLong now = new AtomicLong();

    private final ClientEventWindow window = new ClientEventWindow(3, Duration.ofSeconds(60), now::get);

    @Test
    void aClientIsLimitedOnceItReachesTheLimitWithinItsWindow() throws Exception {
        InetAddress client = InetAddress.getByName("192.0.2.1");
        InetAddress other = InetAddress.getByName("192.0.2.2");
        assertThat(window.record(client)).isEqualTo(1);
        assertThat(window.record(client)).isEqualTo(2);
        assertThat(window.isLimited(client)).isFalse();
        assertThat(window.record(client)).isEqualTo(3);
        assertThat(window.isLimited(client)).isTrue();
        assertThat(window.isLimited(other)).isFalse();
    }

    @Test
    void theCountIsForgottenWhenTheWindowThatBeganWithTheFirstEventEnds() throws Exception {
        InetAddress client = InetAddress.getByName("2001:db8::1");
        for (int i = 0; i < 3; i++) {
            window.record(client);
        }
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(window.isLimited(client)).isTrue();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(window.isLimited(client)).isFalse();
        assertThat(window.record(client)).isEqualTo(1);
    }

    @Test
    void aFloodOfAddressesKeepsAtMostTheBoundInMemory() throws Exception {
        byte[] address = { 10, 0, 0, 0 };
        for (int i = 0; i < ClientEventWindow.MAX_CLIENTS + 50; i++) {
            address[1] = (byte) (i >> 16);
            address[2] = (byte) (i >> 8);
            address[3] = (byte) i;
            window.record(InetAddress.getByAddress(address));
        }
        assertThat(window.clients()).isLessThanOrEqualTo(ClientEventWindow.MAX_CLIENTS);
    }

    @Test
    void zeroMeansNoLimitAndNothingCounted() throws Exception {
        ClientEventWindow unlimited = new ClientEventWindow(0, Duration.ofSeconds(60), now::get);
        InetAddress client = InetAddress.getByName("192.0.2.1");
        for (int i = 0; i < 10; i++) {
            unlimited.record(client);
        }
        assertThat(unlimited.isLimited(client)).isFalse();
        assertThat(unlimited.clients()).isZero();
    }

    @Test
    void guessesInParallelNeverPassTheLimit() throws Exception {
        ClientEventWindow limited = new ClientEventWindow(10, Duration.ofMinutes(1));
        InetAddress client = InetAddress.getByName("192.0.2.9");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.List<java.util.concurrent.Future<Boolean>> tries = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                tries.add(pool.submit(() -> limited.tryRecord(client)));
            }
            int passed = 0;
            for (java.util.concurrent.Future<Boolean> attempt : tries) {
                passed += attempt.get() ? 1 : 0;
            }
            assertThat(passed).isEqualTo(10);
        }
        finally {
            pool.shutdownNow();
        }
        // A success is forgiven: one more attempt may be made.
        limited.forgive(client);
        assertThat(limited.tryRecord(client)).isTrue();
        assertThat(limited.tryRecord(client)).isFalse();
    }
}
