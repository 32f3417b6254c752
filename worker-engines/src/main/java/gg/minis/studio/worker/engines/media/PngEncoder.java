package gg.minis.studio.worker.engines.media;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** PNG through the JDK's own ImageIO writer; alpha is kept when the image has an alpha channel. */
public final class PngEncoder {
    private PngEncoder() {
    }

    public static byte[] encode(BufferedImage image) {
        if (image == null) {
            throw new IllegalArgumentException("image is null");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(image.getWidth() * image.getHeight() + 1024);
        try {
            if (!ImageIO.write(image, "png", out)) {
                // Exotic raster layouts have no PNG writer; a plain (A)RGB copy always has one.
                out.reset();
                if (!ImageIO.write(MediaImages.toIntRgb(image), "png", out)) {
                    throw new IllegalStateException("no ImageIO PNG writer available");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e); // cannot happen writing to memory
        }
        return out.toByteArray();
    }
}
