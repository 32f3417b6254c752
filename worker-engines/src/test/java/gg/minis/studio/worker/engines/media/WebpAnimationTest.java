package gg.minis.studio.worker.engines.media;

import static gg.minis.studio.worker.engines.media.TestImages.assertSamePixels;
import static gg.minis.studio.worker.engines.media.TestImages.gradient;
import static gg.minis.studio.worker.engines.media.TestImages.noise;
import static gg.minis.studio.worker.engines.media.TestImages.solid;
import static gg.minis.studio.worker.engines.media.TestImages.translucent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;

class WebpAnimationTest {

    @Test
    void everyFrameDecodesToItsPixels() throws IOException {
        List<BufferedImage> frames = List.of(gradient(48, 32), noise(48, 32, false, 1), solid(48, 32, 0xff00ff00),
                translucent(48, 32, 2));
        byte[] webp = WebpEncoder.encodeAnimation(frames, 80);

        ImageReader reader = ImageIO.getImageReadersByFormatName("webp").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(webp))) {
            reader.setInput(in);
            assertThat(reader.getNumImages(true)).isEqualTo(frames.size());
            for (int i = 0; i < frames.size(); i++) {
                assertSamePixels(reader.read(i), frames.get(i));
            }
        } finally {
            reader.dispose();
        }
    }

    @Test
    void chunkLayoutIsVp8xAnimThenOneAnmfPerFrame() {
        int n = 3;
        List<BufferedImage> frames = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            frames.add(noise(21, 13, false, i)); // odd payload sizes exercise the chunk padding
        }
        byte[] webp = WebpEncoder.encodeAnimation(frames, 150);
        ByteBuffer b = ByteBuffer.wrap(webp).order(ByteOrder.LITTLE_ENDIAN);

        assertThat(fourcc(b, 0)).isEqualTo("RIFF");
        assertThat(b.getInt(4)).isEqualTo(webp.length - 8);
        assertThat(fourcc(b, 8)).isEqualTo("WEBP");

        List<String> chunks = new ArrayList<>();
        int pos = 12;
        while (pos < webp.length) {
            String id = fourcc(b, pos);
            int size = b.getInt(pos + 4);
            int payload = pos + 8;
            chunks.add(id);
            switch (id) {
                case "VP8X" -> {
                    assertThat(size).isEqualTo(10);
                    int flags = webp[payload] & 0xff;
                    assertThat(flags & 0x02).as("animation flag").isEqualTo(0x02);
                    assertThat(flags & 0x10).as("alpha flag, opaque frames").isZero();
                    assertThat(uint24(b, payload + 4) + 1).as("canvas width").isEqualTo(21);
                    assertThat(uint24(b, payload + 7) + 1).as("canvas height").isEqualTo(13);
                }
                case "ANIM" -> {
                    assertThat(size).isEqualTo(6);
                    assertThat(b.getShort(payload + 4)).as("loop count, 0 = forever").isZero();
                }
                case "ANMF" -> {
                    assertThat(uint24(b, payload)).as("x offset").isZero();
                    assertThat(uint24(b, payload + 3)).as("y offset").isZero();
                    assertThat(uint24(b, payload + 6) + 1).as("frame width").isEqualTo(21);
                    assertThat(uint24(b, payload + 9) + 1).as("frame height").isEqualTo(13);
                    assertThat(uint24(b, payload + 12)).as("duration ms").isEqualTo(150);
                    assertThat(webp[payload + 15] & 0x03).as("no blending, no disposal").isEqualTo(0x02);
                    assertThat(fourcc(b, payload + 16)).isEqualTo("VP8L");
                    int vp8lSize = b.getInt(payload + 20);
                    assertThat(size).as("ANMF holds its header and one padded VP8L chunk")
                            .isEqualTo(16 + 8 + vp8lSize + (vp8lSize & 1));
                    assertThat(webp[payload + 24]).as("VP8L signature").isEqualTo((byte) 0x2f);
                }
                default -> throw new AssertionError("unexpected chunk " + id);
            }
            pos = payload + size + (size & 1);
        }
        assertThat(pos).isEqualTo(webp.length);
        assertThat(chunks).containsExactly("VP8X", "ANIM", "ANMF", "ANMF", "ANMF");
    }

    @Test
    void alphaFlagIsSetWhenAnyFrameIsTranslucent() {
        byte[] webp = WebpEncoder.encodeAnimation(List.of(gradient(8, 8), translucent(8, 8, 1)), 100);
        assertThat(webp[20] & 0x10).isEqualTo(0x10);
    }

    @Test
    void isDeterministic() {
        List<BufferedImage> frames = List.of(noise(30, 20, true, 5), gradient(30, 20));
        assertThat(WebpEncoder.encodeAnimation(frames, 50)).isEqualTo(WebpEncoder.encodeAnimation(frames, 50));
    }

    @Test
    void rejectsFramesOfDifferentSizesNamingTheFrame() {
        List<BufferedImage> frames = List.of(gradient(16, 16), gradient(16, 16), gradient(16, 15));
        assertThatThrownBy(() -> WebpEncoder.encodeAnimation(frames, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("frame 2")
                .hasMessageContaining("16x15");
    }

    @Test
    void rejectsEmptyAnimationsAndBadDurations() {
        assertThatThrownBy(() -> WebpEncoder.encodeAnimation(List.of(), 100))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebpEncoder.encodeAnimation(List.of(gradient(4, 4)), -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String fourcc(ByteBuffer b, int pos) {
        return new String(b.array(), pos, 4, StandardCharsets.US_ASCII);
    }

    private static int uint24(ByteBuffer b, int pos) {
        return (b.get(pos) & 0xff) | (b.get(pos + 1) & 0xff) << 8 | (b.get(pos + 2) & 0xff) << 16;
    }
}
