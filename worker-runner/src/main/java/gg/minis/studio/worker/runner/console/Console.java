package gg.minis.studio.worker.runner.console;

import gg.minis.studio.worker.runner.config.WorkerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Parser;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.reader.impl.history.DefaultHistory;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interactive console: a JLine line editor over a {@link LocalApiClient}, with tab completion
 * ({@link ConsoleCompleter}) and a history file beside the config (owner-only; {@code config set} of a secret is
 * never written to it). Errors print as one {@code error:} line and the session goes on; {@code quit}, {@code exit}
 * or Ctrl-D end it, Ctrl-C only clears the line.
 */
public final class Console {
    private static final Logger log = LoggerFactory.getLogger(Console.class);
    public static final String HISTORY_FILE_NAME = "console-history";
    static final String PROMPT = "worker> ";
    private static final Pattern SECRET_SET = Pattern.compile("\\s*config\\s+set\\s+(\\S+).*", Pattern.DOTALL);

    private final Terminal terminal;
    private final LocalApiClient api;
    private final Path historyFile;
    private final Commands commands;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile String stopReason;

    /**
     * @param quitStopsWorker whether quitting also stops the worker ({@code run --console}); only changes the help
     */
    public Console(Terminal terminal, LocalApiClient api, Path historyFile, boolean quitStopsWorker) {
        this.terminal = terminal;
        this.api = api;
        this.historyFile = historyFile;
        this.commands = new Commands(api, quitStopsWorker);
    }

    /** {@value #HISTORY_FILE_NAME} in the directory of {@code configFile}. */
    public static Path historyFile(Path configFile) {
        Path parent = configFile.toAbsolutePath().getParent();
        return (parent == null ? Path.of(".") : parent).resolve(HISTORY_FILE_NAME);
    }

    /** The line parser: quotes group words; no escape character, so Windows paths keep their backslashes. */
    static Parser parser() {
        DefaultParser parser = new DefaultParser();
        parser.setEscapeChars(new char[0]);
        return parser;
    }

    /** Reads and runs commands until quit, Ctrl-D or {@link #stop}. */
    public void run() {
        PrintWriter out = terminal.writer();
        prepareHistoryFile();
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("runner console")
                .parser(parser())
                .completer(new ConsoleCompleter())
                .history(new QuietHistory())
                .variable(LineReader.HISTORY_FILE, historyFile)
                .variable(LineReader.HISTORY_SIZE, 1_000)
                .variable(LineReader.HISTORY_FILE_SIZE, 1_000)
                .option(LineReader.Option.HISTORY_IGNORE_SPACE, true)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        out.println("connected to the worker at " + api.url() + " (" + api.configFile() + "); 'help' lists the "
                + "commands, 'quit' leaves");
        out.flush();
        try {
            while (!stopped.get()) {
                String line;
                try {
                    line = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C clears the line (or, after stop(), ends the loop)
                } catch (EndOfFileException e) {
                    break;
                }
                if (stopped.get()) {
                    break;
                }
                List<String> words = reader.getParser().parse(line.strip(), 0, Parser.ParseContext.ACCEPT_LINE)
                        .words().stream().toList();
                if (words.isEmpty() || words.getFirst().isEmpty()) {
                    continue;
                }
                if (!execute(words, out, reader)) {
                    break;
                }
            }
        } finally {
            String reason = stopReason;
            if (reason != null) {
                out.println(reason);
            }
            out.flush();
            saveHistory(reader);
        }
    }

    private boolean execute(List<String> words, PrintWriter out, LineReader reader) {
        try {
            return commands.execute(words, out, this::awaitStopKey, question -> confirm(reader, question));
        } catch (ConsoleException e) {
            log.debug("console command {} failed", words.getFirst(), e);
            out.println("error: " + e.getMessage());
            return true;
        } catch (RuntimeException e) {
            log.debug("console command {} failed", words.getFirst(), e);
            out.println("error: " + words.getFirst() + " failed: " + LocalApiClient.oneLine(e));
            return true;
        } finally {
            out.flush();
        }
    }

    /** One answer line, kept out of the history; null on Ctrl-C or Ctrl-D. */
    private static String confirm(LineReader reader, String question) {
        try {
            reader.getVariables().put(LineReader.DISABLE_HISTORY, Boolean.TRUE);
            return reader.readLine(question);
        } catch (UserInterruptException | EndOfFileException e) {
            return null;
        } finally {
            reader.getVariables().remove(LineReader.DISABLE_HISTORY);
        }
    }

    /**
     * Ends {@link #run()} from another thread (the worker of {@code run --console} stopped), printing {@code reason}.
     */
    public void stop(String reason) {
        stopReason = reason;
        if (stopped.compareAndSet(false, true)) {
            terminal.raise(Terminal.Signal.INT); // wakes a readLine in progress
        }
    }

    /** For {@code logs -f}: waits for Enter or Ctrl-C (raw mode, so no line is needed) up to {@code millis}. */
    private boolean awaitStopKey(long millis) {
        AtomicBoolean interrupted = new AtomicBoolean();
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> interrupted.set(true));
        Attributes saved = terminal.enterRawMode();
        try {
            NonBlockingReader in = terminal.reader();
            long deadline = System.nanoTime() + millis * 1_000_000;
            while (!interrupted.get() && !stopped.get()) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                int c = in.read(Math.min(left, 50));
                if (c == NonBlockingReader.EOF || c == '\r' || c == '\n' || c == 3) {
                    return true;
                }
            }
            return true;
        } catch (IOException e) {
            log.debug("reading the terminal", e);
            return true;
        } finally {
            terminal.setAttributes(saved);
            terminal.handle(Terminal.Signal.INT, previous);
        }
    }

    // ---- history ----

    /** Creates the history file owner-only before JLine appends to it (and tightens an existing one). */
    private void prepareHistoryFile() {
        try {
            Files.createDirectories(historyFile.toAbsolutePath().getParent());
            boolean posix = historyFile.getFileSystem().supportedFileAttributeViews().contains("posix");
            if (!Files.exists(historyFile)) {
                if (posix) {
                    Files.createFile(historyFile, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")));
                } else {
                    Files.createFile(historyFile);
                }
            } else if (posix) {
                Files.setPosixFilePermissions(historyFile, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException | RuntimeException e) {
            log.debug("cannot prepare the console history {}", historyFile, e);
        }
    }

    private void saveHistory(LineReader reader) {
        try {
            reader.getHistory().save();
            if (historyFile.getFileSystem().supportedFileAttributeViews().contains("posix")
                    && Files.exists(historyFile)) {
                Files.setPosixFilePermissions(historyFile, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException | RuntimeException e) {
            log.debug("cannot save the console history {}", historyFile, e);
        }
    }

    /** Keeps {@code config set} of a secret (the worker's token, say) out of the history. */
    private static final class QuietHistory extends DefaultHistory {
        @Override
        public void add(Instant time, String line) {
            var m = SECRET_SET.matcher(line);
            if (m.matches() && WorkerConfig.isSecret(m.group(1))) {
                return;
            }
            super.add(time, line);
        }
    }
}
