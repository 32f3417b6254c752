package gg.minis.studio.worker.runner.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.tinylog.configuration.Configuration;

/**
 * Finishes tinylog's configuration before the first log line: console level from {@code --verbose}, and a rolling
 * debug log next to the config, where stack traces of user errors go instead of the terminal.
 */
final class LoggingSetup {
    private static volatile Path debugLog;

    private LoggingSetup() {}

    static synchronized void configure(boolean verbose, boolean quiet, Path logDirectory) {
        if (Configuration.isFrozen()) {
            return; // Already logging (a second command in the same JVM, e.g. in tests).
        }
        if (verbose) {
            Configuration.set("writer1.level", "debug");
        } else if (quiet) {
            Configuration.set("writer1.level", "warn");
        }
        try {
            Files.createDirectories(logDirectory);
            debugLog = logDirectory.resolve("runner.log");
            Configuration.set("writer3", "rolling file");
            Configuration.set("writer3.level", "debug");
            Configuration.set("writer3.file", logDirectory.resolve("runner-{count}.log").toString());
            Configuration.set("writer3.latest", debugLog.toString());
            Configuration.set("writer3.policies", "size: 10mb");
            Configuration.set("writer3.backups", "3");
            Configuration.set("writer3.format", "{date: yyyy-MM-dd HH:mm:ss.SSS} {level} [{thread}] {class-name}: {message}");
        } catch (Exception e) {
            // No debug log then (read-only home, say); the console still works.
            debugLog = null;
        }
    }

    static String debugLogFile() {
        return debugLog == null ? "(no debug log)" : debugLog.toString();
    }
}
