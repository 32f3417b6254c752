package gg.minis.studio.worker.natives;

import java.nio.file.Path;
import java.util.Objects;

/** A LoRA applied to every generation of an image context; {@code multiplier} 1.0 = full strength. */
public record Lora(Path path, float multiplier) {
    public Lora {
        Objects.requireNonNull(path, "path");
    }
}
