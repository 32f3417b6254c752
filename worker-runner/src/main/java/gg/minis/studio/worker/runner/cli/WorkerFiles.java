package gg.minis.studio.worker.runner.cli;

import java.nio.file.Path;

/** Where the runner keeps its state: beside the config file, so {@code --config} moves everything together. */
final class WorkerFiles {
    private WorkerFiles() {}

    static Path home(Path configFile) {
        Path parent = configFile.toAbsolutePath().getParent();
        return parent == null ? Path.of(".").toAbsolutePath() : parent;
    }

    static Path spool(Path configFile) {
        return home(configFile).resolve("spool");
    }

    /** The last update check's result ({@code runner status} shows it). */
    static Path updateState(Path configFile) {
        return home(configFile).resolve("update-check.json");
    }

    /** Where {@code runner update} stages downloaded releases, one folder per version. */
    static Path updates(Path configFile) {
        return home(configFile).resolve("updates");
    }
}
