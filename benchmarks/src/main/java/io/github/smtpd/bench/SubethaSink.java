package io.github.smtpd.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.server.SMTPServer;

/**
 * SubEthaSMTP 7 (com.github.davidmoten:subethasmtp) as a discarding sink: the TLS-capable reference peer of the
 * STARTTLS workloads (Postfix's {@code smtp-sink} has no STARTTLS). Like {@link Sink}: counts messages and bytes,
 * keeps nothing.
 *
 * <pre>
 * java -cp smtpd-benchmarks.jar io.github.smtpd.bench.SubethaSink 127.0.0.1:2525 [--backlog N] [--max-sessions N]
 *      [--tls-keystore FILE.p12 --tls-password PW [--tls-required]]
 * </pre>
 *
 * Its defaults otherwise (a cached thread pool, a thread per connection, 60 s timeout). STARTTLS uses the same
 * PKCS12 key store and the same kind of {@link SSLContext} as our sink, and the socket is made as ours makes it:
 * the JDK's default protocols and cipher suites. (SubEthaSMTP's own {@code startTlsSocketFactory(SSLContext,
 * boolean)} would enable every <em>supported</em> protocol and suite, TLSv1 and anonymous suites included, and
 * resolve the client's host name at each STARTTLS; that is not what either server should be compared with.)
 * Prints {@code READY host:port} once it listens, and on exit (SIGTERM) the messages and bytes it accepted.
 */
public final class SubethaSink {

    private SubethaSink() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        String address = null;
        int backlog = 4096;
        int maxSessions = 20_000;
        Path tlsKeyStore = null;
        String tlsPassword = "";
        boolean tlsRequired = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--backlog" -> backlog = Integer.parseInt(args[++i]);
                case "--max-sessions" -> maxSessions = Integer.parseInt(args[++i]);
                case "--tls-keystore" -> tlsKeyStore = Path.of(args[++i]);
                case "--tls-password" -> tlsPassword = args[++i];
                case "--tls-required" -> tlsRequired = true;
                default -> {
                    if (args[i].startsWith("--") || address != null) {
                        usage("unknown argument " + args[i]);
                    }
                    address = args[i];
                }
            }
        }
        if (address == null || !address.contains(":")) {
            usage("host:port is required");
        }
        int colon = address.lastIndexOf(':');
        AtomicLong messages = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        SMTPServer.Builder builder = SMTPServer.port(Integer.parseInt(address.substring(colon + 1)))
                .bindAddress(InetAddress.getByName(address.substring(0, colon)))
                .hostName("subetha.localhost")
                .backlog(backlog)
                .maxConnections(maxSessions)
                .messageHandlerFactory((MessageContext context) -> new CountingHandler(messages, bytes));
        if (tlsKeyStore != null) {
            SSLContext context = BenchTls.serverContext(tlsKeyStore, tlsPassword.toCharArray());
            builder.enableTLS(true).requireTLS(tlsRequired).startTlsSocketFactory(socket -> serverSocket(context, socket));
        }
        else if (tlsRequired) {
            usage("--tls-required needs --tls-keystore");
        }
        SMTPServer server = builder.build();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            System.err.printf("subetha-sink: %d messages, %d bytes%n", messages.get(), bytes.get());
        }, "subetha-sink-shutdown"));
        System.out.println("READY " + address.substring(0, colon) + ":" + server.getPortAllocated()
                + " SubEthaSMTP 7, Java " + Runtime.version()
                + (tlsKeyStore == null ? "" : ", STARTTLS" + (tlsRequired ? " required" : "")));
        System.out.flush();
    }

    /** The server side of STARTTLS, made as {@code io.github.smtpd.internal.Tls} makes ours: JDK defaults. */
    private static SSLSocket serverSocket(SSLContext context, Socket plain) throws IOException {
        InetSocketAddress peer = (InetSocketAddress) plain.getRemoteSocketAddress();
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, peer.getHostString(),
                peer.getPort(), true);
        ssl.setUseClientMode(false);
        return ssl;
    }

    /** Reads the message to its end and counts it. */
    private static final class CountingHandler implements MessageHandler {

        private final AtomicLong messages;

        private final AtomicLong bytes;

        private final byte[] buffer = new byte[8192];

        CountingHandler(AtomicLong messages, AtomicLong bytes) {
            this.messages = messages;
            this.bytes = bytes;
        }

        @Override
        public void from(String from) {
        }

        @Override
        public void recipient(String recipient) {
        }

        @Override
        public String data(InputStream data) throws IOException {
            long size = 0;
            int n;
            while ((n = data.read(buffer)) >= 0) {
                size += n;
            }
            messages.incrementAndGet();
            bytes.addAndGet(size);
            return null;
        }

        @Override
        public void done() {
        }
    }

    private static void usage(String problem) {
        System.err.println("subetha-sink: " + problem);
        System.err.println("usage: java -cp smtpd-benchmarks.jar io.github.smtpd.bench.SubethaSink host:port"
                + " [--backlog N] [--max-sessions N] [--tls-keystore FILE.p12 --tls-password PW [--tls-required]]");
        System.exit(2);
    }
}
