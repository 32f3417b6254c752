package gg.minis.studio.worker.api.engine;

/** Receives progress from an engine, on the engine's thread: keep it quick and never throw. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = progress -> {};

    void onProgress(Progress progress);
}
