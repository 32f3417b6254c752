package gg.minis.studio.worker.natives;

import java.nio.file.Path;
import java.util.Objects;

/** The {@code sw_stt_model} of a speech context. {@code threads <= 0}: backend default. */
public record SttModel(Path modelPath, int threads, boolean useGpu) {
    public SttModel {
        Objects.requireNonNull(modelPath, "modelPath");
    }

    public static SttModel of(Path modelPath) {
        return new SttModel(modelPath, 0, true);
    }
}
