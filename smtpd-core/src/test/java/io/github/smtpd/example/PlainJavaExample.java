package io.github.smtpd.example;

import io.github.smtpd.SmtpServer;

/** The README's plain-Java example, kept compiling and tested by {@code PlainJavaExampleTest}. */
public class PlainJavaExample {

    public static SmtpServer start(String localAddress) {
        SmtpServer server = SmtpServer.builder()
                .localAddress(localAddress)
                .messageProcessor(message -> {
                    System.out.printf("From %s to %s, %d bytes%n", message.mailFrom(), message.rcptTos(), message.size());
                    System.out.print(new String(message.content(), java.nio.charset.StandardCharsets.UTF_8));
                    return null; // 250 OK
                })
                .build();
        server.start();
        return server;
    }

    public static void main(String[] args) {
        start("localhost:8025");
    }
}
