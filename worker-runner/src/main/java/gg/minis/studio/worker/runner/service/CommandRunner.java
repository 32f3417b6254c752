package gg.minis.studio.worker.runner.service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Runs an OS tool ({@code systemctl}, {@code launchctl}, {@code schtasks}); injectable so tests record instead. */
@FunctionalInterface
public interface CommandRunner {
    /** The outcome; a command that cannot be started at all reports exit code -1 and why. Never throws. */
    Result run(List<String> command);

    record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Real processes, output merged, at most 60 s each. */
    static CommandRunner system() {
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        return command -> {
            List<String> argv = new ArrayList<>(command);
            if (windows) {
                // The JDK quotes arguments with spaces but leaves inner quotes alone; schtasks /TR and reg /d parse
                // their command line C-runtime style, where an inner quote must be written \".
                argv.replaceAll(a -> a.replace("\"", "\\\""));
            }
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
                p.getOutputStream().close();
                byte[] out;
                try (InputStream in = p.getInputStream()) {
                    out = in.readAllBytes(); // all of it, or a chatty tool would block on a full pipe
                }
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(-1, "timed out after 60 s");
                }
                return new Result(p.exitValue(), new String(out, Charset.defaultCharset()).strip());
            } catch (IOException e) {
                return new Result(-1, "cannot run " + command.getFirst() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(-1, "interrupted");
            }
        };
    }
}
