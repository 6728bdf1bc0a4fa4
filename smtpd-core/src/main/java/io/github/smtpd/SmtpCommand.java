package io.github.smtpd;

import java.io.IOException;

/**
 * The handler of one SMTP verb, smtpd's {@code smtp_<COMMAND>} method. Register it with
 * {@link SmtpServer.Builder#command(String, SmtpCommand)} to add a command or replace a built-in one; get
 * a built-in one from {@link SmtpCommands#builtin(String)} to wrap it.
 */
@FunctionalInterface
public interface SmtpCommand {

    /**
     * Handles the command. It must send exactly one reply with {@link SmtpSession#reply(Reply)}.
     *
     * @param session the session the command arrived on
     * @param argument the text after the verb with surrounding spaces removed, or {@code null} when none
     */
    void execute(SmtpSession session, String argument) throws IOException;
}
