package gg.minis.studio.worker.runner;

import gg.minis.studio.worker.runner.cli.RunnerMain;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** How this process was started: the java binary and the runner jar, for autostart entries and update hints. */
public final class Launch {
    /**
     * The JVM options the worker is started with where we start it (autostart entries, {@code ./dev}): native access
     * for the engines' FFM calls without a warning, and a small fixed young generation on the serial collector. The
     * worker's big memory is native (the models); its heap holds frames, images being encoded and uploads, and with
     * the JVM's default G1 sizing it keeps growing for thousands of jobs (about 30 MB over 1,000 jobs, see
     * benchmarks/README.md). A fixed young generation keeps that flat without capping the heap, which a long audio
     * input (up to 1 GiB) may need.
     */
    public static final List<String> JVM_OPTIONS =
            List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmn24m");

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
