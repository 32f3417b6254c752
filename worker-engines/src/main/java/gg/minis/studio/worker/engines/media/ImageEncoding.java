package gg.minis.studio.worker.engines.media;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/** Picks the encoder for a requested output extension. */
public final class ImageEncoding {
    private ImageEncoding() {
    }

    /** png, webp (lossless) or gif, case-insensitive. */
    public static byte[] encode(BufferedImage image, String ext) {
        return switch (normalise(ext)) {
            case "png" -> PngEncoder.encode(image);
            case "webp" -> WebpEncoder.encode(image);
            case "gif" -> GifEncoder.encode(image);
            default -> throw new IllegalArgumentException(
                    "unsupported image ext '" + ext + "' (expected png, webp or gif)");
        };
    }

    /** An animation that loops forever: webp or gif, case-insensitive. */
    public static byte[] encodeAnimation(List<BufferedImage> frames, int frameDurationMs, String ext) {
        return switch (normalise(ext)) {
            case "webp" -> WebpEncoder.encodeAnimation(frames, frameDurationMs);
            case "gif" -> GifEncoder.encodeAnimation(frames, frameDurationMs);
            default -> throw new IllegalArgumentException(
                    "unsupported animation ext '" + ext + "' (expected webp or gif)");
        };
    }

    private static String normalise(String ext) {
        return ext == null ? "" : ext.toLowerCase(Locale.ROOT);
    }
}
