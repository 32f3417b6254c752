package gg.minis.studio.worker.engines.media;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * GIF through the JDK's ImageIO writer, which quantises true-colour frames to a 256-colour palette itself.
 * Animations loop forever (NETSCAPE2.0 application extension) with the same delay on every frame.
 */
public final class GifEncoder {
    private static final String FORMAT = "javax_imageio_gif_image_1.0";

    private GifEncoder() {
    }

    public static byte[] encode(BufferedImage image) {
        if (image == null) {
            throw new IllegalArgumentException("image is null");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "gif", out)) {
                out.reset();
                if (!ImageIO.write(MediaImages.toIntRgb(image), "gif", out)) {
                    throw new IllegalStateException("no ImageIO GIF writer available");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("GIF encoding failed", e);
        }
        return out.toByteArray();
    }

    public static byte[] encodeAnimation(List<BufferedImage> frames, int frameDurationMs) {
        if (frames == null || frames.isEmpty()) {
            throw new IllegalArgumentException("an animation needs at least one frame");
        }
        if (frameDurationMs < 0) {
            throw new IllegalArgumentException("frame duration must not be negative, got " + frameDurationMs);
        }
        // GIF delays are in hundredths of a second, 16 bits.
        int delayCs = (int) Math.min(0xffff, (frameDurationMs + 5L) / 10);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            writer.prepareWriteSequence(null);
            for (int i = 0; i < frames.size(); i++) {
                BufferedImage frame = frames.get(i);
                if (frame == null) {
                    throw new IllegalArgumentException("frame " + i + " is null");
                }
                frame = MediaImages.toIntRgb(frame);
                IIOMetadata metadata =
                        writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), param);
                configure(metadata, delayCs, i == 0);
                writer.writeToSequence(new IIOImage(frame, null, metadata), param);
            }
            writer.endWriteSequence();
        } catch (IOException e) {
            throw new UncheckedIOException("GIF encoding failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static void configure(IIOMetadata metadata, int delayCs, boolean first) throws IIOInvalidTreeException {
        IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(FORMAT);
        IIOMetadataNode gce = child(root, "GraphicControlExtension");
        gce.setAttribute("disposalMethod", "none");
        gce.setAttribute("userInputFlag", "FALSE");
        gce.setAttribute("delayTime", Integer.toString(delayCs));
        if (gce.getAttribute("transparentColorFlag").isEmpty()) {
            gce.setAttribute("transparentColorFlag", "FALSE");
        }
        if (gce.getAttribute("transparentColorIndex").isEmpty()) {
            gce.setAttribute("transparentColorIndex", "0");
        }
        if (first) {
            // Loop count 0 = forever; only the first frame carries the extension.
            IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
            app.setAttribute("applicationID", "NETSCAPE");
            app.setAttribute("authenticationCode", "2.0");
            app.setUserObject(new byte[] {1, 0, 0});
            child(root, "ApplicationExtensions").appendChild(app);
        }
        metadata.setFromTree(FORMAT, root);
    }

    private static IIOMetadataNode child(IIOMetadataNode parent, String name) {
        for (int i = 0; i < parent.getLength(); i++) {
            if (parent.item(i) instanceof IIOMetadataNode node && node.getNodeName().equals(name)) {
                return node;
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        parent.appendChild(node);
        return node;
    }
}
