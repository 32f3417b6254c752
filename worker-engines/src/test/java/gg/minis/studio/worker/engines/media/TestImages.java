package gg.minis.studio.worker.engines.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;
import javax.imageio.ImageIO;

/** Synthetic test images and pixel-exact comparison. */
final class TestImages {
    private TestImages() {
    }

    static BufferedImage noise(int w, int h, boolean alpha, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt());
            }
        }
        return img;
    }

    /** Smooth ramps in every channel, the kind of content the predictor transform is for. */
    static BufferedImage gradient(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = x * 255 / Math.max(1, w - 1);
                int g = y * 255 / Math.max(1, h - 1);
                int b = (x + y) * 255 / Math.max(1, w + h - 2);
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return img;
    }

    static BufferedImage solid(int w, int h, int argb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, argb);
            }
        }
        return img;
    }

    /** Varying alpha including fully transparent pixels whose colour must survive too (lossless means exact). */
    static BufferedImage translucent(int w, int h, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int a = (x * 8 + y * 3) & 0xff;
                int rgb = x < w / 2 ? (x * 4 & 0xff) << 16 | (y * 4 & 0xff) << 8 | 0x40 : r.nextInt() & 0xffffff;
                img.setRGB(x, y, a << 24 | rgb);
            }
        }
        return img;
    }

    static BufferedImage read(byte[] bytes) throws IOException {
        BufferedImage out = ImageIO.read(new ByteArrayInputStream(bytes));
        assertThat(out).as("ImageIO decodes the bytes").isNotNull();
        return out;
    }

    /** Every pixel as ARGB (getRGB gives alpha 255 for opaque types, so opaque input must decode opaque). */
    static void assertSamePixels(BufferedImage actual, BufferedImage expected) {
        assertThat(actual.getWidth()).as("width").isEqualTo(expected.getWidth());
        assertThat(actual.getHeight()).as("height").isEqualTo(expected.getHeight());
        int w = expected.getWidth();
        int h = expected.getHeight();
        int[] e = expected.getRGB(0, 0, w, h, null, 0, w);
        int[] a = actual.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < e.length; i++) {
            if (a[i] != e[i]) {
                throw new AssertionError(String.format("pixel (%d,%d) of %dx%d: expected %08x, got %08x",
                        i % w, i / w, w, h, e[i], a[i]));
            }
        }
    }
}
