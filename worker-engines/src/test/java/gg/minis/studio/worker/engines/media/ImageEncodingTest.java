package gg.minis.studio.worker.engines.media;

import static gg.minis.studio.worker.engines.media.TestImages.gradient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageEncodingTest {
    private final BufferedImage image = gradient(12, 9);

    @ParameterizedTest
    @ValueSource(strings = {"png", "PNG", "Png"})
    void pngDispatch(String ext) {
        assertThat(ImageEncoding.encode(image, ext)).isEqualTo(PngEncoder.encode(image));
    }

    @ParameterizedTest
    @ValueSource(strings = {"webp", "WEBP", "WebP"})
    void webpDispatch(String ext) {
        assertThat(ImageEncoding.encode(image, ext, WebpSettings.lossless())).isEqualTo(WebpEncoder.encode(image));
        // The default is lossy through libwebp where it loads (LibWebpTest), the built-in lossless encoder elsewhere.
        byte[] webp = ImageEncoding.encode(image, ext);
        assertThat(LibWebpTest.chunk(webp)).isEqualTo(LibWebp.system().library() != null ? "VP8 " : "VP8L");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gif", "GIF"})
    void gifDispatch(String ext) {
        byte[] gif = ImageEncoding.encode(image, ext);
        assertThat(new String(gif, 0, 6, StandardCharsets.US_ASCII)).isEqualTo("GIF89a");
    }

    @Test
    void animationDispatch() {
        List<BufferedImage> frames = List.of(image, gradient(12, 9));
        assertThat(ImageEncoding.encodeAnimation(frames, 100, "WebP"))
                .isEqualTo(WebpEncoder.encodeAnimation(frames, 100));
        byte[] gif = ImageEncoding.encodeAnimation(frames, 100, "gif");
        assertThat(new String(gif, StandardCharsets.ISO_8859_1)).startsWith("GIF89a").contains("NETSCAPE2.0");
    }

    @Test
    void unknownImageExtIsRejectedWithTheExactMessage() {
        assertThatThrownBy(() -> ImageEncoding.encode(image, "jpg"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unsupported image ext 'jpg' (expected png, webp or gif)");
        assertThatThrownBy(() -> ImageEncoding.encode(image, ".PNG"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unsupported image ext '.PNG' (expected png, webp or gif)");
        assertThatThrownBy(() -> ImageEncoding.encode(image, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unsupported image ext 'null' (expected png, webp or gif)");
    }

    @Test
    void unknownAnimationExtIsRejectedWithTheExactMessage() {
        assertThatThrownBy(() -> ImageEncoding.encodeAnimation(List.of(image), 100, "png"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unsupported animation ext 'png' (expected webp or gif)");
        assertThatThrownBy(() -> ImageEncoding.encodeAnimation(List.of(image), 100, "mp4"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unsupported animation ext 'mp4' (expected webp or gif)");
    }
}
