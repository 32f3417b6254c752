package gg.minis.studio.worker.natives;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code sw_image_model} of an image context. Either {@code modelPath} (a full checkpoint) or
 * {@code diffusionModelPath} (a standalone diffusion model plus separate encoders / VAE) is required; every
 * other path is optional ({@code null}). {@code threads <= 0}: backend default.
 */
public record ImageModel(Path modelPath, Path diffusionModelPath, Path clipLPath, Path clipGPath, Path t5xxlPath,
                         Path llmPath, Path vaePath, Path loraDir, List<Lora> loras, int threads,
                         boolean offloadToCpu, boolean flashAttn) {
    public ImageModel {
        loras = List.copyOf(loras);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Path modelPath;
        private Path diffusionModelPath;
        private Path clipLPath;
        private Path clipGPath;
        private Path t5xxlPath;
        private Path llmPath;
        private Path vaePath;
        private Path loraDir;
        private final List<Lora> loras = new ArrayList<>();
        private int threads;
        private boolean offloadToCpu;
        private boolean flashAttn;

        private Builder() {}

        public Builder modelPath(Path p) { this.modelPath = p; return this; }
        public Builder diffusionModelPath(Path p) { this.diffusionModelPath = p; return this; }
        public Builder clipLPath(Path p) { this.clipLPath = p; return this; }
        public Builder clipGPath(Path p) { this.clipGPath = p; return this; }
        public Builder t5xxlPath(Path p) { this.t5xxlPath = p; return this; }
        public Builder llmPath(Path p) { this.llmPath = p; return this; }
        public Builder vaePath(Path p) { this.vaePath = p; return this; }
        public Builder loraDir(Path p) { this.loraDir = p; return this; }
        public Builder lora(Path path, float multiplier) { this.loras.add(new Lora(path, multiplier)); return this; }
        public Builder threads(int n) { this.threads = n; return this; }
        public Builder offloadToCpu(boolean b) { this.offloadToCpu = b; return this; }
        public Builder flashAttn(boolean b) { this.flashAttn = b; return this; }

        public ImageModel build() {
            return new ImageModel(modelPath, diffusionModelPath, clipLPath, clipGPath, t5xxlPath, llmPath, vaePath,
                    loraDir, loras, threads, offloadToCpu, flashAttn);
        }
    }
}
