package gg.minis.studio.worker.api.engine;

/**
 * A progress report: {@code phase} is what the engine is doing ("download", "load", "generate", "encode"),
 * {@code done} of {@code total} units (steps, bytes). {@code total} is 0 when unknown.
 */
public record Progress(String phase, long done, long total) {
    public double fraction() {
        return total <= 0 ? 0 : Math.min(1.0, (double) done / total);
    }
}
