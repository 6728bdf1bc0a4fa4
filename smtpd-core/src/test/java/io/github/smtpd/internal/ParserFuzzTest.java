package io.github.smtpd.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the path and parameter parsers. In a normal build these run the committed corpus as regression tests;
 * {@code JAZZER_FUZZ=1 mvn -pl smtpd-core test -Dtest=ParserFuzzTest} fuzzes for real (see the README).
 */
class ParserFuzzTest {

    @FuzzTest
    void mailPathsNeverThrowAndAcceptOnlyCleanAddresses(FuzzedDataProvider data) {
        boolean allowNull = data.consumeBoolean();
        String text = data.consumeRemainingAsString();
        MailPath path = MailPath.parse(text, allowNull);
        if (path != null) {
            assertThat(path.address()).isNotEmpty();
            assertThat(path.address().chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == '\uFFFD')).isTrue();
            if (!allowNull) {
                assertThat(path.address()).isNotEqualTo("<>");
            }
            assertThat(path.parameters()).isEqualTo(path.parameters().strip());
        }
    }

    @FuzzTest
    void utf8LengthIsTheEncodedLength(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        assertThat(MailPath.utf8Length(text)).isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }

    @org.junit.jupiter.api.Test
    void utf8LengthCountsSurrogatePairsAndLoneSurrogatesAsTheEncoderDoes() {
        for (String text : new String[] { "", "a", "\u00e9", "\u20ac", "\uD83D\uDE00", "\uD83D", "\uDE00x", "x\uD83D",
                "\uDE00\uD83D", "\u007f\u0080\u07ff\u0800\uffff" }) {
            assertThat(MailPath.utf8Length(text)).as(text)
                .isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
    }

    @FuzzTest
    void esmtpParametersNeverThrow(FuzzedDataProvider data) {
        EsmtpParameters parameters = EsmtpParameters.parse(data.consumeRemainingAsString());
        if (parameters != null) {
            assertThat(parameters.options()).hasSameSizeAs(parameters.values().keySet());
            parameters.options().forEach(option -> assertThat(option).doesNotContain(" ").isNotEmpty());
            java.util.Map<String, String> copy = new java.util.HashMap<>(parameters.values());
            Dsn.checkMail(copy);
            Dsn.checkRcpt(copy);
        }
    }

    @FuzzTest
    void proxyHeadersNeverThrowAnythingButMalformed(byte[] bytes) throws Exception {
        SmtpInput input = new SmtpInput(new java.io.ByteArrayInputStream(bytes), 64, () -> {
        });
        java.net.InetSocketAddress connection = new java.net.InetSocketAddress("127.0.0.1", 1);
        try {
            assertThat(ProxyProtocolHeader.read(input, connection)).isNotNull();
        }
        catch (ProxyProtocolHeader.MalformedException ex) {
            // Refused, as it should be.
        }
    }
}
