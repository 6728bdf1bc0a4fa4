package io.github.smtpd.capture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class MessageStoreTests {

    private static final MessageStore.Limits LIMITS = new MessageStore.Limits(100, 1_000_000, 4);

    @TempDir
    Path dir;

    @Test
    void listsNewestFirstWithTheFieldsOfTheHeadersAndTheEnvelope() {
        try (MessageStore store = MessageStore.temporary(dir, LIMITS)) {
            store.add("s1", "127.0.0.1", "alice@example.org", List.of("bob@example.org"),
                    TestMessages.plain("Alice <alice@example.org>", "bob@example.org", "first", "one"));
            store.add("s2", "127.0.0.2", "carol@example.org", List.of("bob@example.org", "hidden@example.org"),
                    TestMessages.plain("carol@example.org", "Bob <bob@example.org>", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
                            "two"));
            MessageStore.Page page = store.search(SearchQuery.all(), 0, 10);
            assertThat(page.total()).isEqualTo(2);
            assertThat(page.unread()).isEqualTo(2);
            assertThat(page.messages()).extracting(StoredMessage::subject).containsExactly("Grüße", "first");
            StoredMessage newest = page.messages().get(0);
            assertThat(newest.to()).containsExactly(new EmailAddress("Bob", "bob@example.org"));
            assertThat(newest.bcc()).containsExactly(new EmailAddress("", "hidden@example.org"));
            assertThat(newest.peer()).isEqualTo("127.0.0.2");
            assertThat(newest.serverId()).isEqualTo("s2");
            assertThat(newest.snippet()).isEqualTo("two");
            assertThat(store.search(SearchQuery.all(), 1, 10).messages()).extracting(StoredMessage::subject)
                .containsExactly("first");
        }
    }

    @Test
    void countsAttachmentsAndSearchesTheText() {
        try (MessageStore store = MessageStore.temporary(dir, LIMITS)) {
            store.add("s1", "127.0.0.1", "alice@example.org", List.of("bob@example.org"),
                    TestMessages.withAttachment("report"));
            store.add("s2", "127.0.0.1", "carol@example.org", List.of("dan@example.org"),
                    TestMessages.plain("carol@example.org", "dan@example.org", "hello", "nothing attached"));
            assertThat(store.get(1).orElseThrow().attachments()).isEqualTo(1);
            assertThat(subjects(store, "has:attachment")).containsExactly("report");
            assertThat(subjects(store, "the text")).containsExactly("report");
            assertThat(subjects(store, "\"nothing attached\"")).containsExactly("hello");
            assertThat(subjects(store, "from:carol")).containsExactly("hello");
            assertThat(subjects(store, "to:dan@")).containsExactly("hello");
            assertThat(subjects(store, "-from:carol")).containsExactly("report");
            assertThat(subjects(store, "subject:REP")).containsExactly("report");
            assertThat(subjects(store, "is:unread")).containsExactly("hello", "report");
            store.markRead(List.of(1L), true);
            assertThat(subjects(store, "is:read")).containsExactly("report");
            assertThat(store.unread()).isEqualTo(1);
            assertThat(subjects(store, "after:2000-01-01 before:2999-01-01")).hasSize(2);
        }
    }

    @Test
    void prunesTheOldestPastTheCountAndTheBytes() {
        try (MessageStore store = MessageStore.temporary(dir, new MessageStore.Limits(3, 1_000_000, 4))) {
            List<Long> pruned = new ArrayList<>();
            store.addListener(new CaptureListener() {
                @Override
                public void deleted(java.util.Collection<Long> ids) {
                    pruned.addAll(ids);
                }
            });
            for (int i = 1; i <= 5; i++) {
                store.add("s" + i, "127.0.0.1", "a@example.org", List.of("b@example.org"),
                        TestMessages.plain("a@example.org", "b@example.org", "m" + i, "x"));
            }
            assertThat(subjects(store, "")).containsExactly("m5", "m4", "m3");
            assertThat(pruned).containsExactly(1L, 2L);
        }
        try (MessageStore store = MessageStore.temporary(dir, new MessageStore.Limits(100, 2_500, 4))) {
            for (int i = 1; i <= 5; i++) {
                store.add("s" + i, "127.0.0.1", "a@example.org", List.of("b@example.org"),
                        TestMessages.plain("a@example.org", "b@example.org", "m" + i, "x".repeat(1000)));
            }
            assertThat(store.count()).isEqualTo(2);
            assertThat(store.bytes()).isLessThanOrEqualTo(2_500);
        }
    }

    @Test
    void aPersistentStoreKeepsItsMessagesAndIdsAcrossARestart() {
        Path file = dir.resolve("data/capture.mv.db");
        try (MessageStore store = MessageStore.open(file, LIMITS)) {
            store.add("s1", "127.0.0.1", "a@example.org", List.of("b@example.org"),
                    TestMessages.plain("a@example.org", "b@example.org", "kept", "body"));
            store.markRead(List.of(1L), true);
        }
        try (MessageStore store = MessageStore.open(file, LIMITS)) {
            assertThat(store.count()).isEqualTo(1);
            assertThat(store.unread()).isZero();
            StoredMessage kept = store.get(1).orElseThrow();
            assertThat(kept.subject()).isEqualTo("kept");
            assertThat(new String(store.content(1).orElseThrow())).contains("body");
            StoredMessage next = store.add("s2", "127.0.0.1", "a@example.org", List.of("b@example.org"),
                    TestMessages.plain("a@example.org", "b@example.org", "next", "body"));
            assertThat(next.id()).isEqualTo(2);
        }
    }

    @Test
    void aPersistentStoreInUseByAnotherStoreIsRefusedWithTheReason() {
        Path file = dir.resolve("capture.mv.db");
        try (MessageStore store = MessageStore.open(file, LIMITS)) {
            assertThatIllegalStateException().isThrownBy(() -> MessageStore.open(file, LIMITS))
                .withMessageContaining("another process");
        }
    }

    @Test
    void aTemporaryStoreDeletesItsFileAndLeftoversOfProcessesThatAreGone() throws Exception {
        Path leftover = Files.createFile(dir.resolve("smtpd-capture-999999999-1.mv.db"));
        Path unrelated = Files.createFile(dir.resolve("other.mv.db"));
        String file;
        try (MessageStore store = MessageStore.temporary(dir, LIMITS)) {
            file = store.fileName();
            assertThat(Path.of(file)).exists();
            assertThat(store.isPersistent()).isFalse();
        }
        assertThat(Path.of(file)).doesNotExist();
        assertThat(leftover).doesNotExist();
        assertThat(unrelated).exists();
    }

    @Test
    void deletesByIdBySearchAndAll() {
        try (MessageStore store = MessageStore.temporary(dir, LIMITS)) {
            for (int i = 1; i <= 4; i++) {
                store.add("s" + i, "127.0.0.1", "a@example.org", List.of("b@example.org"),
                        TestMessages.plain("a@example.org", "b@example.org", "m" + i, "x"));
            }
            assertThat(store.delete(List.of(1L, 99L))).isEqualTo(1);
            assertThat(store.delete(SearchQuery.parse("subject:m2", ZoneOffset.UTC))).isEqualTo(1);
            assertThat(subjects(store, "")).containsExactly("m4", "m3");
            assertThat(store.clear()).isEqualTo(2);
            assertThat(store.count()).isZero();
            assertThat(store.bytes()).isZero();
            assertThat(store.latestId()).isEmpty();
        }
    }

    @Test
    void aMessageThatIsNotMimeIsStillKeptAndShown() {
        try (MessageStore store = MessageStore.temporary(dir, LIMITS)) {
            byte[] broken = ("Subject: broken\r\nContent-Type: multipart/mixed; boundary=nope\r\n\r\nno parts at all\r\n")
                .getBytes();
            StoredMessage stored = store.add("s1", "127.0.0.1", "", List.of("b@example.org"), broken);
            assertThat(stored.subject()).isEqualTo("broken");
            assertThat(stored.snippet()).contains("no parts at all");
        }
    }

    private static List<String> subjects(MessageStore store, String query) {
        return store.search(SearchQuery.parse(query, ZoneOffset.UTC), 0, 100).messages().stream()
            .map(StoredMessage::subject).toList();
    }
}
