package gg.minis.studio.worker.engines.media;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/** Small image helpers shared by the encoders. */
final class MediaImages {
    private MediaImages() {
    }

    /** A TYPE_INT_ARGB copy when the image has alpha, TYPE_INT_RGB otherwise: the layouts every writer accepts. */
    static BufferedImage toIntRgb(BufferedImage image) {
        boolean alpha = image.getColorModel().hasAlpha();
        int type = alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB;
        if (image.getType() == type) {
            return image;
        }
        BufferedImage copy = new BufferedImage(image.getWidth(), image.getHeight(), type);
        Graphics2D g = copy.createGraphics();
        try {
            g.drawImage(image, 0, 0, null);
        } finally {
            g.dispose();
        }
        return copy;
    }
}
