package gg.minis.studio.worker.natives;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code sw_image_params} of one generation; validation is the backend's (it answers
 * {@link SwStatus#INVALID_ARGUMENT} naming the field and value).
 *
 * @param sampleMethod  a sampler name (euler, euler_a, heun, dpm2, dpm++2s_a, dpm++2m, dpm++2mv2, ipndm, ipndm_v,
 *                      lcm, ddim_trailing, tcd), {@code null} = backend default
 * @param seed          {@code < 0}: random
 * @param flowShift     0 = model default
 * @param strength      img2img denoise strength 0..1 (used with an init image)
 * @param initImage     {@code null}: txt2img; else RGB, width x height
 * @param maskImage     {@code null}, or 1 channel, width x height, 255 = repaint
 * @param refImages     reference images for edit models
 */
public record ImageParams(String prompt, String negativePrompt, int width, int height, int steps, float cfgScale,
                          String sampleMethod, long seed, float flowShift, float strength, ImagePixels initImage,
                          ImagePixels maskImage, List<ImagePixels> refImages) {
    public ImageParams {
        Objects.requireNonNull(prompt, "prompt");
        refImages = List.copyOf(refImages);
    }

    public static Builder builder(String prompt) {
        return new Builder(prompt);
    }

    public Builder toBuilder() {
        Builder b = new Builder(prompt).negativePrompt(negativePrompt).size(width, height).steps(steps)
                .cfgScale(cfgScale).sampleMethod(sampleMethod).seed(seed).flowShift(flowShift).strength(strength)
                .initImage(initImage).maskImage(maskImage);
        refImages.forEach(b::refImage);
        return b;
    }

    /** Defaults: 512x512, 20 steps, cfg 7, backend sampler, seed -1 (random), strength 0.75. */
    public static final class Builder {
        private String prompt;
        private String negativePrompt;
        private int width = 512;
        private int height = 512;
        private int steps = 20;
        private float cfgScale = 7.0f;
        private String sampleMethod;
        private long seed = -1;
        private float flowShift;
        private float strength = 0.75f;
        private ImagePixels initImage;
        private ImagePixels maskImage;
        private final List<ImagePixels> refImages = new ArrayList<>();

        private Builder(String prompt) {
            this.prompt = prompt;
        }

        public Builder prompt(String s) { this.prompt = s; return this; }
        public Builder negativePrompt(String s) { this.negativePrompt = s; return this; }
        public Builder width(int w) { this.width = w; return this; }
        public Builder height(int h) { this.height = h; return this; }
        public Builder size(int w, int h) { this.width = w; this.height = h; return this; }
        public Builder steps(int n) { this.steps = n; return this; }
        public Builder cfgScale(float v) { this.cfgScale = v; return this; }
        public Builder sampleMethod(String s) { this.sampleMethod = s; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        public Builder flowShift(float v) { this.flowShift = v; return this; }
        public Builder strength(float v) { this.strength = v; return this; }
        public Builder initImage(ImagePixels img) { this.initImage = img; return this; }
        public Builder maskImage(ImagePixels img) { this.maskImage = img; return this; }
        public Builder refImage(ImagePixels img) { this.refImages.add(Objects.requireNonNull(img)); return this; }
        public Builder clearRefImages() { this.refImages.clear(); return this; }

        public ImageParams build() {
            return new ImageParams(prompt, negativePrompt, width, height, steps, cfgScale, sampleMethod, seed,
                    flowShift, strength, initImage, maskImage, refImages);
        }
    }
}
