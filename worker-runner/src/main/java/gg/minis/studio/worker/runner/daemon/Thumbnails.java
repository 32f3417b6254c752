package gg.minis.studio.worker.runner.daemon;

import gg.minis.studio.worker.engines.media.PngEncoder;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;
import javax.imageio.ImageIO;

/** Small PNG previews of image results (PNG, GIF, and WebP through the TwelveMonkeys ImageIO plugin). */
public final class Thumbnails {
    /** The longest side of a thumbnail, in pixels. */
    public static final int MAX_SIDE = 384;

    private Thumbnails() {}

    /** A PNG at most {@link #MAX_SIDE} on its long side (never upscaled), or empty when the bytes do not decode. */
    public static Optional<byte[]> of(byte[] image) {
        BufferedImage source;
        try {
            source = ImageIO.read(new ByteArrayInputStream(image));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        if (source == null) {
            return Optional.empty();
        }
        int w = source.getWidth();
        int h = source.getHeight();
        double scale = Math.min(1.0, (double) MAX_SIDE / Math.max(w, h));
        int tw = Math.max(1, (int) Math.round(w * scale));
        int th = Math.max(1, (int) Math.round(h * scale));
        boolean alpha = source.getColorModel().hasAlpha();
        BufferedImage thumb = new BufferedImage(tw, th, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = thumb.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(source, 0, 0, tw, th, null);
        } finally {
            g.dispose();
        }
        return Optional.of(PngEncoder.encode(thumb));
    }
}
