package io.github.smtpd.capture;

import java.util.Collection;

/**
 * Told of every change to a {@link MessageStore}, on the thread that made it; the live events of the UI and API.
 * Implementations must be quick and must not throw.
 */
public interface CaptureListener {

    /** A message was captured. */
    default void added(StoredMessage message) {
    }

    /** Messages were deleted (by a request or pruned by a limit). */
    default void deleted(Collection<Long> ids) {
    }

    /** Every message was deleted. */
    default void cleared() {
    }

    /** Messages were marked read or unread. */
    default void markedRead(Collection<Long> ids, boolean read) {
    }
}
