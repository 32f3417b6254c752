package gg.minis.studio.worker.engines.media;

/**
 * How still WebP images are written: lossy through the system's libwebp at a quality, falling back to the built-in
 * lossless encoder when libwebp does not load ({@link LibWebp#system()} says why, once), or always lossless.
 * Animations are always written by the built-in lossless encoder.
 *
 * @param lossy   use libwebp's lossy (VP8) encoder when it loads
 * @param quality libwebp's quality factor, 0 (smallest) .. 100 (best); ignored when not {@code lossy}
 */
public record WebpSettings(boolean lossy, int quality) {
    public static final int DEFAULT_QUALITY = 90;
    /** Lossy at {@value #DEFAULT_QUALITY} when libwebp loads, else lossless. */
    public static final WebpSettings DEFAULT = lossy(DEFAULT_QUALITY);

    public WebpSettings {
        if (quality < 0 || quality > 100) {
            throw new IllegalArgumentException("webp quality must be 0..100, got " + quality);
        }
    }

    /** Lossy at {@code quality} (0..100) when libwebp loads, else lossless. */
    public static WebpSettings lossy(int quality) {
        return new WebpSettings(true, quality);
    }

    /** Always the built-in lossless encoder: exact pixels, the same bytes everywhere. */
    public static WebpSettings lossless() {
        return new WebpSettings(false, DEFAULT_QUALITY);
    }
}
