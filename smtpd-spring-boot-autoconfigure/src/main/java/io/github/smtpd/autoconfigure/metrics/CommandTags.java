package io.github.smtpd.autoconfigure.metrics;

import java.util.Set;

import io.github.smtpd.Reply;

/**
 * The tag values of {@code smtpd.commands}, from fixed sets so that what a client types can never create a new time
 * series: the built-in verbs, {@code UNKNOWN} for input the server did not recognise, and {@code OTHER} for commands
 * an application added; reply classes {@code 2xx} to {@code 5xx}.
 */
final class CommandTags {

    static final String OTHER = "OTHER";

    private static final Set<String> BUILT_IN = Set.of("HELO", "EHLO", "LHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET",
            "NOOP", "QUIT", "HELP", "VRFY", "EXPN", "STARTTLS", "AUTH", "UNKNOWN");

    private CommandTags() {
    }

    static String command(String verb) {
        return (verb != null && BUILT_IN.contains(verb)) ? verb : OTHER;
    }

    static String replyClass(Reply reply) {
        return (reply.code() / 100) + "xx";
    }
}
