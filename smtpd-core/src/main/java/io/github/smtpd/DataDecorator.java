package io.github.smtpd;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import io.github.smtpd.internal.AroundData;

/**
 * Something done around the end of data of any handler, an observation or a copy of each message, in both of a
 * handler's forms: {@link #decorate} wraps a handler so that it keeps its shape. A handler with {@code onData}
 * alone stays one (its sessions stay on the event loop, and the decorator's {@link #onData} runs where the
 * message is processed); an {@link AsyncSmtpHandler}, or a handler with blocking hooks (which the server runs on
 * the executor), keeps its hooks, and its data goes through {@link #onDataAsync}.
 */
public interface DataDecorator {

    /** Called instead of {@code next.onData(message)}; calls it. */
    Reply onData(Message message, SmtpHandler next) throws Exception;

    /** Called instead of {@code next.onDataAsync(message, work)}; calls it, and must not block. */
    CompletionStage<Reply> onDataAsync(Message message, Executor work, AsyncSmtpHandler next);

    /**
     * @param name what the wrapped handler is called in logs, e.g. {@code Observed} gives
     *        {@code Observed[ProxyMode...]}
     */
    static SmtpHandler decorate(SmtpHandler handler, DataDecorator decorator, String name) {
        return AroundData.wrap(handler, decorator, name);
    }
}
