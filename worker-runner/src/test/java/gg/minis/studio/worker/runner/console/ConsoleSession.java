package gg.minis.studio.worker.runner.console;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A console on a {@link PipedTerminal}, on its own thread: type lines, read what it printed. */
final class ConsoleSession implements AutoCloseable {
    private final PipedTerminal terminal = new PipedTerminal();
    private final Thread thread;

    ConsoleSession(LocalApiClient api, Path historyFile) throws IOException {
        Console console = new Console(terminal.terminal(), api, historyFile, false);
        thread = Thread.ofPlatform().name("test-console").daemon(true).start(console::run);
    }

    /** Runs {@code lines} and then {@code quit}; returns everything printed. */
    static String run(LocalApiClient api, Path historyFile, String... lines) throws Exception {
        try (ConsoleSession session = new ConsoleSession(api, historyFile)) {
            for (String line : lines) {
                session.type(line + "\n");
            }
            return session.quit();
        }
    }

    void type(String text) throws IOException {
        terminal.type(text);
    }

    void awaitOutput(String text) throws InterruptedException {
        terminal.awaitScreen(text);
    }

    /** Types quit and waits for the console to end. */
    String quit() throws Exception {
        type("quit\n");
        thread.join(TimeUnit.SECONDS.toMillis(10));
        if (thread.isAlive()) {
            throw new AssertionError("the console did not end; it shows:\n" + terminal.screen());
        }
        return terminal.screen();
    }

    @Override
    public void close() throws IOException {
        terminal.close();
    }
}
