package gg.minis.studio.worker.runner.console;

import gg.minis.studio.worker.runner.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;

/** A JLine dumb terminal over pipes: type into it, read what was printed (prompts left out). */
public final class PipedTerminal implements AutoCloseable {
    private final PipedOutputStream keyboard = new PipedOutputStream();
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final Terminal terminal;

    public PipedTerminal() throws IOException {
        PipedInputStream in = new PipedInputStream(keyboard, 64 * 1024);
        terminal = new DumbTerminal("test", "dumb", in, screen, StandardCharsets.UTF_8);
    }

    public Terminal terminal() {
        return terminal;
    }

    public void type(String text) throws IOException {
        keyboard.write(text.getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
    }

    /** What the console printed, without its prompts. */
    public String screen() {
        return screen.toString(StandardCharsets.UTF_8).replace(Console.PROMPT, "");
    }

    public void awaitScreen(String text) throws InterruptedException {
        try {
            Await.until("'" + text + "' on the console", () -> screen().contains(text));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; it shows:\n" + screen());
        }
    }

    @Override
    public void close() throws IOException {
        keyboard.close();
        terminal.close();
    }
}
