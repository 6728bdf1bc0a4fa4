package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which Host and Origin may change the server's state; the filter itself is tested over HTTP in the demo. */
class SmtpdEndpointWriteGuardTests {

    private final SmtpdEndpointWriteGuard guard = new SmtpdEndpointWriteGuard(List.of("ops.example.org"));

    @Test
    void addressesLocalhostAndAllowedNamesMayChangeState() {
        assertThat(guard.refusal("127.0.0.1:8080", null)).isNull();
        assertThat(guard.refusal("[::1]:8080", null)).isNull();
        assertThat(guard.refusal("192.0.2.10", null)).isNull();
        assertThat(guard.refusal("localhost:8080", "http://localhost:8080")).isNull();
        assertThat(guard.refusal("OPS.example.org:443", "https://ops.example.org:443")).isNull();
    }

    @Test
    void anyOtherNameIsRefusedAsARebindingWouldBe() {
        assertThat(guard.refusal("attacker.example:8080", null)).contains("Host is not this server's");
        assertThat(guard.refusal("127.0.0.1.attacker.example", null)).contains("Host is not this server's");
        assertThat(guard.refusal("999.0.0.1", null)).contains("Host is not this server's");
        assertThat(guard.refusal(null, null)).contains("must name it in Host");
    }

    @Test
    void aPageOfAnotherOriginIsRefused() {
        assertThat(guard.refusal("127.0.0.1:8080", "http://attacker.example")).contains("another origin");
        assertThat(guard.refusal("127.0.0.1:8080", "http://127.0.0.1:9090")).contains("another origin");
        assertThat(guard.refusal("127.0.0.1:8080", "null")).contains("another origin");
        assertThat(guard.refusal("127.0.0.1:8080", "http://127.0.0.1:8080")).isNull();
    }
}
