package io.github.smtpd.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** The messages a test server captured, in arrival order, and waiting for them. */
final class Mailbox {

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition arrived = lock.newCondition();

    private final List<CapturedMessage> messages = new ArrayList<>();

    void add(CapturedMessage message) {
        lock.lock();
        try {
            messages.add(message);
            arrived.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    List<CapturedMessage> messages() {
        lock.lock();
        try {
            return List.copyOf(messages);
        }
        finally {
            lock.unlock();
        }
    }

    void clear() {
        lock.lock();
        try {
            messages.clear();
        }
        finally {
            lock.unlock();
        }
    }

    List<CapturedMessage> await(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (messages.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(describeShortfall(count, timeout));
                }
                arrived.await(left, TimeUnit.NANOSECONDS);
            }
            return List.copyOf(messages);
        }
        finally {
            lock.unlock();
        }
    }

    private String describeShortfall(int count, Duration timeout) {
        StringBuilder text = new StringBuilder("Expected ").append(count).append(count == 1 ? " message" : " messages")
            .append(" within ").append(timeout.toMillis()).append(" ms, but ");
        if (messages.isEmpty()) {
            return text.append("none arrived").toString();
        }
        text.append(messages.size()).append(messages.size() == 1 ? " arrived:" : " arrived:");
        for (int i = 0; i < messages.size(); i++) {
            text.append("\n  ").append(i + 1).append(". ").append(messages.get(i));
        }
        return text.toString();
    }
}
