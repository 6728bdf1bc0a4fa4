package io.github.smtpd.internal;

import io.github.smtpd.ServerSettings;
import io.github.smtpd.SmtpServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The line limits per verb, and the one read bound that covers them all. */
class CommandLinesTest {

    private static ServerSettings settings(SmtpServer.Builder builder) {
        return builder.localAddress("127.0.0.1:0").messageProcessor((message) -> null).build().settings();
    }

    @Test
    void eachExtensionOnAddsRoomForItsParametersAndTheReadBoundIsTheLongestVerb() {
        ServerSettings plain = settings(SmtpServer.builder().dataSizeLimit(0));
        assertThat(CommandLines.limit(plain, false, "MAIL")).isEqualTo(512);
        assertThat(CommandLines.limit(plain, true, "MAIL")).isEqualTo(512 + 115);
        assertThat(CommandLines.limit(plain, true, "RCPT")).isEqualTo(512 + 515);
        assertThat(CommandLines.limit(plain, true, "HELO")).isEqualTo(512);
        assertThat(CommandLines.longest(plain)).isEqualTo(512 + 515);

        ServerSettings everything = settings(SmtpServer.builder().enableSmtpUtf8(true)
            .authenticator((session, user, password) -> user).allowPlaintextAuth(true));
        assertThat(CommandLines.limit(everything, true, "MAIL")).isEqualTo(512 + 115 + 500 + 26 + 10);
        assertThat(CommandLines.limit(everything, true, "AUTH")).isEqualTo(Auth.LINE_LIMIT);
        assertThat(CommandLines.longest(everything)).isEqualTo(Auth.LINE_LIMIT);
    }
}
