package io.github.smtpd;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CIDR parsing for trusted proxies and trusted client networks; only literals, so no DNS is ever asked. */
class CidrTest {

    @Test
    void matchesAddressesInsideTheNetworkOnly() throws Exception {
        Cidr network = Cidr.parse("10.0.0.0/8");
        assertThat(network.contains(InetAddress.getByName("10.255.1.2"))).isTrue();
        assertThat(network.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(network.contains(InetAddress.getByName("::1"))).isFalse();
        assertThat(network.prefixLength()).isEqualTo(8);
    }

    @Test
    void treatsAnIpv4ClientSeenThroughAnIpv6SocketAsIpv4() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[13] = (byte) 168;
        mapped[14] = 1;
        mapped[15] = 7;
        // getByAddress keeps 16 bytes as an Inet6Address only through the scoped factory.
        InetAddress client = java.net.Inet6Address.getByAddress(null, mapped, -1);
        assertThat(Cidr.parse("192.168.0.0/16").contains(client)).isTrue();
    }

    @Test
    void acceptsPlainAndBracketedIpv6AndSingleAddresses() throws Exception {
        assertThat(Cidr.parse("::1").prefixLength()).isEqualTo(128);
        assertThat(Cidr.parse("[::1]").contains(InetAddress.getByName("::1"))).isTrue();
        assertThat(Cidr.parse("[fd00::]/8").contains(InetAddress.getByName("fd12::3"))).isTrue();
        assertThat(Cidr.parse(" 127.0.0.1 ").prefixLength()).isEqualTo(32);
        assertThat(Cidr.parse("0.0.0.0/0").prefixLength()).isZero();
        assertThat(Cidr.parse("[fd00::]/8")).hasToString("[fd00::]/8");
    }

    @Test
    void readsAnIpv4MappedNetworkAsTheIpv4Network() throws Exception {
        Cidr network = Cidr.parse("::ffff:10.0.0.0/104");
        assertThat(network.prefixLength()).isEqualTo(8);
        assertThat(network.contains(InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThat(network).isEqualTo(Cidr.parse("10.0.0.0/8"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "localhost", "mail.example.org", "10", "10.1", "999.1.1.1", "1.2.3.4.5", "[1.2.3.4]",
            "fe80::1%eth0", "::1::2" })
    void refusesWhatIsNotAnIpLiteral(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + text + "' is not a valid network: not an IP address")
                .hasMessageEndingWith("use CIDR blocks such as 127.0.0.0/8, 10.0.0.0/8 or ::1/128");
    }

    @ParameterizedTest
    @ValueSource(strings = { "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/x", "::1/129" })
    void refusesABadPrefixLength(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "' is not a valid network: the prefix length must be 0 to ");
    }

    @Test
    void refusesAnEmptyNetwork() {
        assertThatThrownBy(() -> Cidr.parse(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be empty");
    }
}
