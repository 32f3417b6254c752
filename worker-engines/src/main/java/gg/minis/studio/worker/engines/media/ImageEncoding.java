package gg.minis.studio.worker.engines.media;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/** Picks the encoder for a requested output extension. */
public final class ImageEncoding {
    private ImageEncoding() {
    }

    /** png, webp or gif, case-insensitive; webp as {@link WebpSettings#DEFAULT} (lossy q90 through libwebp). */
    public static byte[] encode(BufferedImage image, String ext) {
        return encode(image, ext, WebpSettings.DEFAULT);
    }

    /** png, webp or gif, case-insensitive; webp as {@code webp} says. */
    public static byte[] encode(BufferedImage image, String ext, WebpSettings webp) {
        return encode(image, ext, webp, LibWebp.system());
    }

    static byte[] encode(BufferedImage image, String ext, WebpSettings webp, LibWebp.Probe libwebp) {
        return switch (normalise(ext)) {
            case "png" -> PngEncoder.encode(image);
            case "webp" -> webp(image, webp, libwebp);
            case "gif" -> GifEncoder.encode(image);
            default -> throw new IllegalArgumentException(
                    "unsupported image ext '" + ext + "' (expected png, webp or gif)");
        };
    }

    /** An animation that loops forever: webp (lossless) or gif, case-insensitive. */
    public static byte[] encodeAnimation(List<BufferedImage> frames, int frameDurationMs, String ext) {
        return switch (normalise(ext)) {
            case "webp" -> WebpEncoder.encodeAnimation(frames, frameDurationMs);
            case "gif" -> GifEncoder.encodeAnimation(frames, frameDurationMs);
            default -> throw new IllegalArgumentException(
                    "unsupported animation ext '" + ext + "' (expected webp or gif)");
        };
    }

    /**
     * Lossy through libwebp when the settings ask for it and it loaded; else (and for sides past libwebp's 16383)
     * the built-in lossless encoder.
     */
    private static byte[] webp(BufferedImage image, WebpSettings webp, LibWebp.Probe libwebp) {
        if (image == null) {
            throw new IllegalArgumentException("image is null");
        }
        LibWebp lib = libwebp.library();
        int w = image.getWidth();
        int h = image.getHeight();
        if (!webp.lossy() || lib == null || w > LibWebp.MAX_DIMENSION || h > LibWebp.MAX_DIMENSION) {
            return WebpEncoder.encode(image);
        }
        boolean alpha = image.getColorModel().hasAlpha();
        return lib.encode(packed(image, alpha), w, h, alpha, webp.quality());
    }

    /** Pixels as packed RGB or RGBA bytes, rows top down (what libwebp and the native image ABI take). */
    public static byte[] packed(BufferedImage image, boolean alpha) {
        int w = image.getWidth();
        int h = image.getHeight();
        int channels = alpha ? 4 : 3;
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), channels)];
        int[] row = new int[w];
        int i = 0;
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int argb : row) {
                out[i++] = (byte) (argb >>> 16);
                out[i++] = (byte) (argb >>> 8);
                out[i++] = (byte) argb;
                if (alpha) {
                    out[i++] = (byte) (argb >>> 24);
                }
            }
        }
        return out;
    }

    private static String normalise(String ext) {
        return ext == null ? "" : ext.toLowerCase(Locale.ROOT);
    }
}
