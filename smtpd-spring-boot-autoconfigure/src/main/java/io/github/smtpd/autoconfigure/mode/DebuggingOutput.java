package io.github.smtpd.autoconfigure.mode;

import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;

/**
 * Where debugging mode prints ({@code smtpd.debugging.output}): standard output, as smtpd's DebuggingServer did,
 * standard error, or a file that messages are appended to and that is closed with the application context.
 */
final class DebuggingOutput implements Closeable {

    private final PrintStream stream;

    private final boolean owned;

    private DebuggingOutput(PrintStream stream, boolean owned) {
        this.stream = stream;
        this.owned = owned;
    }

    static DebuggingOutput of(String output) {
        String value = (output != null) ? output.strip() : "";
        switch (value.toLowerCase(Locale.ROOT)) {
            case "", "stdout" -> {
                return new DebuggingOutput(System.out, false);
            }
            case "stderr" -> {
                return new DebuggingOutput(System.err, false);
            }
            default -> {
                return new DebuggingOutput(open(value), true);
            }
        }
    }

    private static PrintStream open(String file) {
        try {
            Path path = Path.of(file);
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            return new PrintStream(new FileOutputStream(path.toFile(), true), true, StandardCharsets.UTF_8);
        }
        catch (IOException | InvalidPathException | SecurityException ex) {
            throw new InvalidSmtpdPropertyException("smtpd.debugging.output", "cannot write to '" + file + "': "
                    + ex.getMessage(), "Set smtpd.debugging.output to stdout, stderr, or a file this application may "
                            + "create or append to.", ex);
        }
    }

    PrintStream stream() {
        return stream;
    }

    @Override
    public void close() {
        if (owned) {
            stream.close();
        }
    }
}
