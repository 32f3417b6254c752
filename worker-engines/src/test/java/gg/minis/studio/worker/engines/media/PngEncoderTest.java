package gg.minis.studio.worker.engines.media;

import static gg.minis.studio.worker.engines.media.TestImages.assertSamePixels;
import static gg.minis.studio.worker.engines.media.TestImages.gradient;
import static gg.minis.studio.worker.engines.media.TestImages.read;
import static gg.minis.studio.worker.engines.media.TestImages.translucent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class PngEncoderTest {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Test
    void opaqueImageRoundTrips() throws IOException {
        BufferedImage image = gradient(70, 50);
        byte[] png = PngEncoder.encode(image);
        assertThat(png).startsWith(SIGNATURE);
        BufferedImage decoded = read(png);
        assertThat(decoded.getColorModel().hasAlpha()).isFalse();
        assertSamePixels(decoded, image);
    }

    @Test
    void alphaIsKept() throws IOException {
        BufferedImage image = translucent(40, 30, 1);
        BufferedImage decoded = read(PngEncoder.encode(image));
        assertThat(decoded.getColorModel().hasAlpha()).isTrue();
        assertSamePixels(decoded, image);
    }

    @Test
    void premultipliedInputIsWrittenToo() throws IOException {
        BufferedImage image = new BufferedImage(10, 10, BufferedImage.TYPE_INT_ARGB_PRE);
        image.setRGB(3, 3, 0xff00ff00);
        BufferedImage decoded = read(PngEncoder.encode(image));
        assertThat(decoded.getRGB(3, 3)).isEqualTo(0xff00ff00);
        assertThat(decoded.getRGB(0, 0) >>> 24).isZero();
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> PngEncoder.encode(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
