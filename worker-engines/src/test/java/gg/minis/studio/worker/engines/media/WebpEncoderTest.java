package gg.minis.studio.worker.engines.media;

import static gg.minis.studio.worker.engines.media.TestImages.assertSamePixels;
import static gg.minis.studio.worker.engines.media.TestImages.gradient;
import static gg.minis.studio.worker.engines.media.TestImages.noise;
import static gg.minis.studio.worker.engines.media.TestImages.read;
import static gg.minis.studio.worker.engines.media.TestImages.solid;
import static gg.minis.studio.worker.engines.media.TestImages.translucent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WebpEncoderTest {

    static Stream<Arguments> images() {
        return Stream.of(
                Arguments.of("noise 64x48", noise(64, 48, false, 1)),
                Arguments.of("noise 512x512", noise(512, 512, false, 2)),
                Arguments.of("noise with alpha 33x17", noise(33, 17, true, 3)),
                Arguments.of("gradient 256x256", gradient(256, 256)),
                Arguments.of("gradient 512x512", gradient(512, 512)),
                Arguments.of("gradient 17x33", gradient(17, 33)),
                Arguments.of("1x1", solid(1, 1, 0xff123456)),
                Arguments.of("1x1 transparent", solid(1, 1, 0x00000000)),
                Arguments.of("single colour 40x30", solid(40, 30, 0xff336699)),
                Arguments.of("single translucent colour 9x9", solid(9, 9, 0x80ff0000)),
                Arguments.of("translucent 100x70", translucent(100, 70, 4)),
                Arguments.of("two colours", twoColours(31, 29)),
                Arguments.of("drawing", drawing(200, 120)),
                Arguments.of("noise 17x33", noise(17, 33, false, 5)),
                Arguments.of("one row 1000x1", noise(1000, 1, true, 6)),
                Arguments.of("one column 1x1000", noise(1, 1000, true, 7)),
                Arguments.of("byte gray 50x40", gray(50, 40)),
                Arguments.of("3-byte BGR 45x21", bgr(45, 21)),
                // Narrow images with short periods tempt 2-D copy codes reaching further left than the width.
                Arguments.of("periodic 1x300", periodic(1, 300)),
                Arguments.of("periodic 2x150", periodic(2, 150)),
                Arguments.of("periodic 3x100", periodic(3, 100)),
                Arguments.of("periodic 5x60", periodic(5, 60)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void roundTripsEveryPixelThroughImageIo(String name, BufferedImage image) throws IOException {
        byte[] webp = WebpEncoder.encode(image);

        assertThat(new String(webp, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RIFF");
        assertThat(le32(webp, 4)).as("RIFF size").isEqualTo(webp.length - 8);
        assertThat(new String(webp, 8, 8, StandardCharsets.US_ASCII)).isEqualTo("WEBPVP8L");
        assertThat(webp[20]).as("VP8L signature").isEqualTo((byte) 0x2f);
        assertSamePixels(read(webp), image);
    }

    @Test
    void headerCarriesSizeAndAlphaHint() {
        byte[] opaque = WebpEncoder.encode(noise(17, 33, false, 1));
        byte[] withAlpha = WebpEncoder.encode(translucent(17, 33, 1));
        // ARGB-typed but fully opaque: the hint says no alpha.
        byte[] opaqueArgb = WebpEncoder.encode(solid(17, 33, 0xff00ff00));
        for (byte[] b : new byte[][] {opaque, withAlpha, opaqueArgb}) {
            int bits = le32(b, 21);
            assertThat((bits & 0x3fff) + 1).as("width").isEqualTo(17);
            assertThat(((bits >>> 14) & 0x3fff) + 1).as("height").isEqualTo(33);
            assertThat(bits >>> 29).as("version").isZero();
        }
        assertThat((le32(opaque, 21) >>> 28) & 1).as("alpha_is_used, opaque").isZero();
        assertThat((le32(withAlpha, 21) >>> 28) & 1).as("alpha_is_used, translucent").isEqualTo(1);
        assertThat((le32(opaqueArgb, 21) >>> 28) & 1).as("alpha_is_used, opaque ARGB").isZero();
    }

    @Test
    void isDeterministic() {
        BufferedImage image = translucent(300, 200, 9);
        assertThat(WebpEncoder.encode(image)).isEqualTo(WebpEncoder.encode(image));
        BufferedImage n = noise(128, 128, false, 9);
        assertThat(WebpEncoder.encode(n)).isEqualTo(WebpEncoder.encode(n));
    }

    @Test
    void compressesSmoothAndFlatContent() {
        assertThat(WebpEncoder.encode(gradient(512, 512)).length).as("gradient").isLessThan(512 * 512 / 10);
        assertThat(WebpEncoder.encode(solid(512, 512, 0xff808080)).length).as("flat").isLessThan(300);
        // Incompressible input costs barely more than its raw RGB bytes.
        assertThat(WebpEncoder.encode(noise(512, 512, false, 1)).length).isLessThan(512 * 512 * 3 * 101 / 100);
    }

    @Test
    void handlesTheLargestSideAllowed() throws IOException {
        BufferedImage wide = noise(WebpEncoder.MAX_DIMENSION, 2, false, 11);
        assertSamePixels(read(WebpEncoder.encode(wide)), wide);
        BufferedImage tall = gradient(3, WebpEncoder.MAX_DIMENSION);
        assertSamePixels(read(WebpEncoder.encode(tall)), tall);
    }

    @Test
    void rejectsOversizedImages() {
        BufferedImage tooWide = new BufferedImage(WebpEncoder.MAX_DIMENSION + 1, 1, BufferedImage.TYPE_INT_RGB);
        assertThatThrownBy(() -> WebpEncoder.encode(tooWide))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16385x1");
        assertThatThrownBy(() -> WebpEncoder.encode(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void longRunsAreSplitIntoLegalCopies() throws IOException {
        // 4096 is the longest copy; flat rows far longer than that must be split correctly.
        BufferedImage image = solid(9000, 3, 0xff010203);
        image.setRGB(4500, 1, 0xfffefdfc);
        assertSamePixels(read(WebpEncoder.encode(image)), image);
    }

    @Test
    void prefixCodingOfLengthsAndDistances() {
        // Values 1..4 are their own codes; above that, code and extra bits split the value as RFC 9649 decodes it.
        for (int value = 1; value <= 4096; value++) {
            int code = WebpEncoder.prefixCode(value);
            int extraBits = WebpEncoder.prefixExtraBits(code);
            int extra = WebpEncoder.prefixExtraValue(value);
            int decoded;
            if (code < 4) {
                decoded = code + 1;
            } else {
                int offset = (2 + (code & 1)) << extraBits;
                decoded = offset + extra + 1;
            }
            assertThat(decoded).as("value %d", value).isEqualTo(value);
            assertThat(extra).isBetween(0, (1 << extraBits) - 1);
        }
        assertThat(WebpEncoder.prefixCode(4096)).isEqualTo(23); // fits the 24 length codes
    }

    static int le32(byte[] b, int off) {
        return ByteBuffer.wrap(b, off, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static BufferedImage twoColours(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(42);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextBoolean() ? 0xffffff : 0x000000);
            }
        }
        return img;
    }

    private static BufferedImage drawing(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(20, 40, 200, 255));
        g.fillRect(10, 10, 120, 60);
        g.setColor(new Color(250, 200, 0, 128));
        g.fillOval(60, 30, 120, 80);
        g.setColor(Color.BLACK);
        g.drawString("minis.gg", 20, 100);
        g.dispose();
        return img;
    }

    private static BufferedImage periodic(int w, int h) {
        int[] colours = {0xff102030, 0xffa0b0c0, 0xff405060, 0xff00ff00, 0xffff0000, 0xff0000ff, 0xff777777};
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < w * h; i++) {
            int period = 2 + (i / 50) % 6; // changes period every 50 pixels
            img.setRGB(i % w, i / w, colours[i % period]);
        }
        return img;
    }

    private static BufferedImage gray(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (x * 5 + y * 3) & 0xff);
            }
        }
        return img;
    }

    private static BufferedImage bgr(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Random r = new Random(8);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(4) * 0x404040 + x);
            }
        }
        return img;
    }
}
