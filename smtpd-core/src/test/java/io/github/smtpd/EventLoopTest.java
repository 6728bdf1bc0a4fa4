package io.github.smtpd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which thread runs what: sessions wait for their clients on an event loop, messages are processed on the
 * executor unless the processors are declared non-blocking, and whatever else may block (a hook, a command of the
 * application's) runs on the executor too, the session back on its loop afterwards.
 */
class EventLoopTest extends ServerTestSupport {

    private static final String LOOP_THREAD = "smtpd-loop-";

    private final BlockingQueue<String> threads = new LinkedBlockingQueue<>();

    private MessageProcessor recordingThread() {
        return message -> {
            threads.add(Thread.currentThread().getName());
            return null;
        };
    }

    private void sendOneMessage() throws Exception {
        try (RawClient client = connect()) {
            assertThat(client.openData("EHLO client.example", "a@example.org", "b@example.org")).startsWith("354");
            client.send("Subject: hi\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250");
            assertThat(client.command("QUIT")).startsWith("221");
        }
    }

    /** The codes of every reply until the server closes the connection. */
    private static List<String> replyCodes(RawClient client) throws Exception {
        List<String> codes = new ArrayList<>();
        String reply;
        while ((reply = client.readReply()) != null) {
            codes.add(reply.substring(0, 3));
        }
        return codes;
    }

    @Test
    void processorsRunOnTheExecutorByDefault() throws Exception {
        launch(TestServers.loopback().messageProcessor(recordingThread()));
        sendOneMessage();
        assertThat(threads.poll(10, TimeUnit.SECONDS)).isNotNull().doesNotStartWith(LOOP_THREAD);
    }

    @Test
    void nonBlockingProcessorsRunOnTheLoopThatReadTheMessage() throws Exception {
        launch(TestServers.loopback().nonBlockingProcessors(true).messageProcessor(recordingThread()));
        sendOneMessage();
        assertThat(threads.poll(10, TimeUnit.SECONDS)).isNotNull().startsWith(LOOP_THREAD);
    }

    @Test
    void sessionsAreSpreadOverTheEventLoopsInTurn() throws Exception {
        launch(TestServers.loopback().eventLoops(2).nonBlockingProcessors(true).messageProcessor(recordingThread()));
        assertThat(server.settings().eventLoops()).isEqualTo(2);
        for (int i = 0; i < 4; i++) {
            sendOneMessage();
        }
        List<String> loops = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            loops.add(threads.poll(10, TimeUnit.SECONDS));
        }
        String port = Integer.toString(server.getPort());
        assertThat(loops).containsOnly(LOOP_THREAD + port + "-0", LOOP_THREAD + port + "-1")
            .contains(LOOP_THREAD + port + "-0", LOOP_THREAD + port + "-1");
    }

    @Test
    void fewerThanOneEventLoopIsRefused() {
        assertThatThrownBy(() -> TestServers.loopback().eventLoops(0).messageProcessor(recordingThread()).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("eventLoops must be positive, was 0");
    }

    @Test
    void aHandlersHooksRunOnTheExecutorNotOnTheLoop() throws Exception {
        launch(TestServers.loopback().handler(new SmtpHandler() {
            @Override
            public Reply onRcpt(SmtpSession session, String address, List<String> options) {
                threads.add(Thread.currentThread().getName());
                return null;
            }

            @Override
            public Reply onData(Message message) {
                return null;
            }
        }));
        sendOneMessage();
        assertThat(threads.poll(10, TimeUnit.SECONDS)).isNotNull().doesNotStartWith(LOOP_THREAD);
    }

    @Test
    void aCustomCommandRunsOnTheExecutorAndTheSessionGoesOnOnItsLoop() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        List<String> commandThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
        launch(TestServers.loopback().messageProcessor(processor).command("XWHO", (session, argument) -> {
            threads.add(Thread.currentThread().getName());
            session.reply(Reply.of(250, "you"));
        }).listener(new SmtpServerListener() {
            @Override
            public void commandCompleted(SmtpSession session, String verb, Reply reply) {
                commandThreads.add(verb + " " + Thread.currentThread().getName());
            }
        }));
        try (RawClient client = connect()) {
            assertThat(client.command("EHLO client.example")).startsWith("250");
            assertThat(client.command("XWHO")).startsWith("250");
            assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<b@example.org>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: after\r\n\r\nbody\r\n.\r\n");
            assertThat(client.readReply()).startsWith("250");
        }
        assertThat(threads.poll(10, TimeUnit.SECONDS)).isNotNull().doesNotStartWith(LOOP_THREAD);
        assertThat(processor.next().text()).contains("Subject: after");
        // Every command was answered, and the session went on, on its loop (a message ends on the executor).
        assertThat(commandThreads).extracting((command) -> command.substring(0, command.indexOf(' ')))
            .containsExactly("EHLO", "XWHO", "MAIL", "RCPT", "DATA");
        assertThat(commandThreads.subList(0, 4)).allMatch((command) -> command.contains(" " + LOOP_THREAD));
    }

    @ParameterizedTest(name = "non-blocking processors: {0}")
    @ValueSource(booleans = { false, true })
    void aCommandThatLeavesTheLoopRightAfterAPipelinedMessageIsAnswered(boolean nonBlocking) throws Exception {
        // The message is processed away from the loop, which then hands the command to the executor: on a quiet
        // server nothing else wakes the loop, so the hand-over must not wait for another event.
        RecordingProcessor processor = new RecordingProcessor();
        launch(TestServers.loopback().nonBlockingProcessors(nonBlocking).messageProcessor(processor)
            .command("XWHO", (session, argument) -> session.reply(Reply.of(250, "you"))));
        try (RawClient client = connect()) {
            assertThat(client.openData("EHLO client.example", "a@example.org", "b@example.org")).startsWith("354");
            client.send("Subject: first\r\n\r\nbody\r\n.\r\nXWHO\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0");
            assertThat(client.readReply()).isEqualTo("250 2.0.0 you");
            assertThat(client.command("QUIT")).startsWith("221");
        }
        assertThat(processor.next().text()).contains("Subject: first");
    }

    @ParameterizedTest(name = "non-blocking processors: {0}")
    @ValueSource(booleans = { false, true })
    void twoMessagesSentInOneWriteAreAnsweredInOrder(boolean nonBlocking) throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        launch(TestServers.loopback().nonBlockingProcessors(nonBlocking).messageProcessor(processor));
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.send("EHLO client.example\r\n"
                    + "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: one\r\n\r\n1\r\n.\r\n"
                    + "MAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nSubject: two\r\n\r\n2\r\n.\r\n"
                    + "QUIT\r\n");
            assertThat(replyCodes(client)).containsExactly("220", "250", "250", "250", "354", "250", "250", "250", "354", "250",
                    "221");
        }
        assertThat(processor.next().text()).contains("Subject: one");
        assertThat(processor.next().text()).contains("Subject: two");
    }

    @Test
    void bdatChunksAreReadOnTheLoopEvenWhenTheyArriveInPieces() throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        launch(TestServers.loopback().nonBlockingProcessors(true).messageProcessor((message) -> {
            threads.add(Thread.currentThread().getName());
            return processor.process(message);
        }));
        try (RawClient client = connect()) {
            assertThat(client.command("EHLO client.example")).contains("CHUNKING");
            // Before any recipient: refused once the chunk is read, and its bytes are never taken as commands.
            client.send("BDAT 6\r\nQUIT\r\n");
            assertThat(client.readReply()).isEqualTo("503 5.5.1 Error: need RCPT command");
            assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<b@example.org>")).startsWith("250");
            client.send("BDAT 22\r\nSubject: chunks\r\n");
            Thread.sleep(50);
            client.send("\r\none");
            assertThat(client.readReply()).isEqualTo("250 2.0.0 22 octets received");
            client.send("BDAT 6 LAST\r\n two");
            Thread.sleep(50);
            client.send("\r\n");
            assertThat(client.readReply()).startsWith("250 2.0.0");
            assertThat(client.command("NOOP")).startsWith("250");
        }
        assertThat(processor.next().text()).isEqualTo("Subject: chunks\r\n\r\none two\r\n");
        assertThat(threads.poll(10, TimeUnit.SECONDS)).isNotNull().startsWith(LOOP_THREAD);
    }

    @Test
    void aClientThatHangsUpInTheMiddleOfAChunkLeavesNothingInTheSpool(@TempDir Path spool) throws Exception {
        launch(TestServers.loopback().spoolThreshold(1024).spoolDirectory(spool)
            .messageProcessor(new RecordingProcessor()));
        try (RawClient client = connect()) {
            assertThat(client.command("EHLO client.example")).startsWith("250");
            assertThat(client.command("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<b@example.org>")).startsWith("250");
            client.send("BDAT 100000\r\n" + "x".repeat(50_000));
            assertThat(eventually(() -> spooled(spool) == 1)).as("the chunk spilled to the spool").isTrue();
        }
        assertThat(eventually(() -> spooled(spool) == 0)).as("the spool file is deleted").isTrue();
        sendOneMessage();
    }

    private static long spooled(Path spool) {
        try (Stream<Path> files = Files.list(spool)) {
            return files.count();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @ParameterizedTest(name = "non-blocking processors: {0}")
    @ValueSource(booleans = { false, true })
    void twoChunkedMessagesSentInOneWriteAreAnsweredInOrder(boolean nonBlocking) throws Exception {
        RecordingProcessor processor = new RecordingProcessor();
        launch(TestServers.loopback().nonBlockingProcessors(nonBlocking).messageProcessor(processor));
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.send("EHLO client.example\r\n"
                    + "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT 19 LAST\r\nSubject: one\r\n\r\n1\r\n"
                    + "MAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.org>\r\nBDAT 5\r\nSubje"
                    + "BDAT 14 LAST\r\nct: two\r\n\r\n2\r\n"
                    + "QUIT\r\n");
            assertThat(replyCodes(client)).containsExactly("220", "250", "250", "250", "250", "250", "250", "250", "250", "221");
        }
        assertThat(processor.next().text()).isEqualTo("Subject: one\r\n\r\n1\r\n");
        assertThat(processor.next().text()).isEqualTo("Subject: two\r\n\r\n2\r\n");
    }

    @Test
    void aClientThatSpeaksWithinTheIdleTimeoutIsNeverTimedOut() throws Exception {
        // The loop reads the clock once per wake-up: a session woken on a quiet loop must not be stamped with
        // the time of the loop's previous wake-up, which would time it out early.
        launch(TestServers.loopback().idleTimeout(java.time.Duration.ofSeconds(2)).messageProcessor(recordingThread()));
        try (RawClient client = connect()) {
            for (int i = 0; i < 3; i++) {
                assertThat(client.command("NOOP")).startsWith("250");
                Thread.sleep(1200);
            }
            assertThat(client.command("NOOP")).startsWith("250");
        }
    }

    @Test
    void aClientThatPipelinesFasterThanItReadsGetsEveryReplyInOrder() throws Exception {
        // The server holds at most a little of the replies a client has not taken, and stops reading its commands
        // meanwhile; once the client reads, it goes on where it stopped.
        launch(TestServers.loopback().messageProcessor(recordingThread()));
        int commands = 400_000;
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(TestServers.address(server), 10_000);
            socket.setSoTimeout(30_000);
            Thread writer = new Thread(() -> {
                try {
                    byte[] noop = "NOOP\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    java.io.OutputStream out = new java.io.BufferedOutputStream(socket.getOutputStream(), 65536);
                    for (int i = 0; i < commands; i++) {
                        out.write(noop);
                    }
                    out.write("QUIT\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    out.flush();
                }
                catch (java.io.IOException ex) {
                    // The reader's assertions tell what went wrong.
                }
            }, "pipelining-writer");
            writer.start();
            // Not reading for a while fills the socket buffers both ways: the server's replies wait, and so do
            // the client's commands.
            Thread.sleep(1000);
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("220 ");
            int ok = 0;
            String line;
            while ((line = in.readLine()) != null && line.startsWith("250 ")) {
                ok++;
            }
            assertThat(ok).isEqualTo(commands);
            assertThat(line).startsWith("221 ");
            writer.join(10_000);
        }
    }

    @Test
    void idleSessionsHoldNoThreads() throws Exception {
        java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        launch(TestServers.loopback().maxSessionsPerClient(0).messageProcessor(recordingThread()).executor((task) -> {
            tasks.incrementAndGet();
            pool.execute(task);
        }));
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                RawClient client = connect();
                clients.add(client);
                assertThat(client.command("NOOP")).startsWith("250");
            }
            assertThat(server.getSessions()).hasSize(200);
            assertThat(tasks).hasValue(0);
        }
        finally {
            for (RawClient client : clients) {
                client.close();
            }
            pool.shutdownNow();
        }
    }
}
