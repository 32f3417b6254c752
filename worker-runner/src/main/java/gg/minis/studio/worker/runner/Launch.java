package gg.minis.studio.worker.runner;

import gg.minis.studio.worker.runner.cli.RunnerMain;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** How this process was started: the java binary and the runner jar, for autostart entries and update hints. */
public final class Launch {
    private Launch() {}

    /** The running JVM's java binary, absolute. */
    public static Path javaExecutable() {
        Optional<String> command = ProcessHandle.current().info().command();
        if (command.isPresent()) {
            return Path.of(command.get()).toAbsolutePath();
        }
        boolean windows = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
        return Path.of(System.getProperty("java.home"), "bin", windows ? "java.exe" : "java").toAbsolutePath();
    }

    /** The runner jar this process runs from; empty when it runs from class folders (an IDE, the tests). */
    public static Optional<Path> runnerJar() {
        try {
            var source = RunnerMain.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            Path path = Path.of(source.getLocation().toURI()).toAbsolutePath();
            return Files.isRegularFile(path) && path.toString().endsWith(".jar") ? Optional.of(path) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
