package gg.minis.studio.worker.engines.image;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.engines.media.ImageEncoding;
import gg.minis.studio.worker.engines.support.InputFetcher;
import gg.minis.studio.worker.natives.ImagePixels;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Init, mask and reference images of an image job: fetched through {@link InputFetcher}, decoded with ImageIO
 * (PNG and JPEG from the JDK, WebP from the TwelveMonkeys plugin), scaled to the job size (bicubic, aspect ratio not
 * kept: the job size is what the model paints) and converted to the byte layouts of studio_worker.h.
 *
 * <p>Colour images lose their alpha by compositing over white. Masks are the luminance of the image composited over
 * black: white (>= 128) = repaint, black = keep, the sd.cpp convention.
 */
final class ImageInputs {
    /** Largest encoded input accepted. */
    static final long MAX_BYTES = 64L << 20;
    /** Largest decoded input accepted (width x height), to refuse decompression bombs before decoding. */
    static final long MAX_PIXELS = 64L << 20;

    private final InputFetcher fetcher;

    ImageInputs(InputFetcher fetcher) {
        this.fetcher = fetcher;
    }

    /** The image at {@code url} as RGB of {@code width} x {@code height}. */
    ImagePixels rgb(String field, String url, int width, int height, CancellationToken cancel)
            throws EngineException {
        BufferedImage scaled = scaled(decode(field, url, fetcher.fetch(field, url, MAX_BYTES, cancel)), width,
                height, Color.WHITE);
        return new ImagePixels(width, height, 3, ImageEncoding.packed(scaled, false));
    }

    /** The image at {@code url} as a one-channel mask of {@code width} x {@code height}. */
    ImagePixels mask(String field, String url, int width, int height, CancellationToken cancel)
            throws EngineException {
        BufferedImage scaled = scaled(decode(field, url, fetcher.fetch(field, url, MAX_BYTES, cancel)), width,
                height, Color.BLACK);
        byte[] data = new byte[width * height];
        int[] row = new int[width];
        for (int y = 0, i = 0; y < height; y++) {
            scaled.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                int p = row[x];
                int luma = (299 * (p >>> 16 & 0xff) + 587 * (p >>> 8 & 0xff) + 114 * (p & 0xff) + 500) / 1000;
                data[i++] = (byte) luma;
            }
        }
        return new ImagePixels(width, height, 1, data);
    }

    /** Decodes PNG, JPEG or WebP; anything else (or a broken file) is a permanent failure naming the field. */
    static BufferedImage decode(String field, String url, byte[] bytes) throws EngineException {
        String shown = InputFetcher.redact(url);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw EngineException.permanent(field + ": " + shown + " is not a PNG, JPEG or WebP image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0 || w * h > MAX_PIXELS) {
                    throw EngineException.permanent(field + ": " + shown + " is " + w + "x" + h
                            + " pixels, more than the " + MAX_PIXELS + " allowed");
                }
                BufferedImage image = reader.read(0);
                if (image == null) {
                    throw EngineException.permanent(field + ": " + shown + " could not be decoded");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw EngineException.permanent(field + ": " + shown + " is not a decodable "
                    + "PNG, JPEG or WebP image (" + e.getMessage() + ")");
        }
    }

    private static BufferedImage scaled(BufferedImage src, int width, int height, Color background) {
        // One bicubic pass only looks at 4x4 source pixels: halve first (each halving averages) so a large
        // photo does not alias on its way down to the job size.
        while (src.getWidth() >= 2 * width && src.getHeight() >= 2 * height) {
            src = draw(src, src.getWidth() / 2, src.getHeight() / 2, background);
        }
        return draw(src, width, height, background);
    }

    private static BufferedImage draw(BufferedImage src, int width, int height, Color background) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(background);
            g.fillRect(0, 0, width, height);
            if (src.getWidth() != width || src.getHeight() != height) {
                boolean halving = src.getWidth() == 2 * width || src.getWidth() == 2 * width + 1;
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, halving
                        ? RenderingHints.VALUE_INTERPOLATION_BILINEAR : RenderingHints.VALUE_INTERPOLATION_BICUBIC);
                g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            }
            g.drawImage(src, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
