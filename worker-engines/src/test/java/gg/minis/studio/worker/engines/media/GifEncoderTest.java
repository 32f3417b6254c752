package gg.minis.studio.worker.engines.media;

import static gg.minis.studio.worker.engines.media.TestImages.gradient;
import static gg.minis.studio.worker.engines.media.TestImages.read;
import static gg.minis.studio.worker.engines.media.TestImages.solid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Node;

class GifEncoderTest {
    private static final String FORMAT = "javax_imageio_gif_image_1.0";

    @Test
    void stillImageRoundTripsWithItsPalette() throws IOException {
        // Few colours fit the GIF palette exactly, so the pixels survive unchanged.
        BufferedImage image = solid(20, 10, 0xffff0000);
        for (int x = 0; x < 10; x++) {
            image.setRGB(x, 5, 0xff0000ff);
        }
        byte[] gif = GifEncoder.encode(image);
        assertThat(new String(gif, 0, 6, StandardCharsets.US_ASCII)).isEqualTo("GIF89a");
        BufferedImage decoded = read(gif);
        TestImages.assertSamePixels(decoded, image);
    }

    @Test
    void animationHasEveryFrameTheDelayAndLoopsForever() throws IOException {
        List<BufferedImage> frames = List.of(solid(16, 12, 0xffff0000), solid(16, 12, 0xff00ff00),
                solid(16, 12, 0xff0000ff), gradient(16, 12));
        byte[] gif = GifEncoder.encodeAnimation(frames, 120);

        assertThat(new String(gif, 0, 6, StandardCharsets.US_ASCII)).isEqualTo("GIF89a");
        assertThat(new String(gif, StandardCharsets.ISO_8859_1)).contains("NETSCAPE2.0");

        ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(gif))) {
            reader.setInput(in);
            assertThat(reader.getNumImages(true)).isEqualTo(frames.size());
            for (int i = 0; i < frames.size(); i++) {
                IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(i).getAsTree(FORMAT);
                IIOMetadataNode gce = (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
                assertThat(gce.getAttribute("delayTime")).as("frame %d delay (1/100 s)", i).isEqualTo("12");
                BufferedImage frame = reader.read(i);
                assertThat(frame.getWidth()).isEqualTo(16);
                assertThat(frame.getHeight()).isEqualTo(12);
                if (i < 3) {
                    assertThat(frame.getRGB(5, 5)).isEqualTo(frames.get(i).getRGB(5, 5));
                }
            }
            IIOMetadataNode first = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree(FORMAT);
            Node app = first.getElementsByTagName("ApplicationExtension").item(0);
            assertThat(app).as("NETSCAPE2.0 loop extension on the first frame").isNotNull();
            IIOMetadataNode ext = (IIOMetadataNode) app;
            assertThat(ext.getAttribute("applicationID")).isEqualTo("NETSCAPE");
            assertThat(ext.getAttribute("authenticationCode")).isEqualTo("2.0");
            byte[] loop = (byte[]) ext.getUserObject();
            assertThat(loop).containsExactly(1, 0, 0); // sub-block 1, loop count 0 = forever
        } finally {
            reader.dispose();
        }
    }

    @Test
    void translucentFramesAreAccepted() throws IOException {
        BufferedImage frame = solid(8, 8, 0x00000000);
        frame.setRGB(4, 4, 0xffffffff);
        byte[] gif = GifEncoder.encodeAnimation(List.of(frame, solid(8, 8, 0xff123456)), 40);
        assertThat(read(gif).getWidth()).isEqualTo(8);
    }

    @Test
    void rejectsEmptyAnimations() {
        assertThatThrownBy(() -> GifEncoder.encodeAnimation(List.of(), 100))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
