package gg.minis.studio.worker.engines.image;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static gg.minis.studio.worker.natives.testing.NativeTestBackend.ECHO_IMAGE_PARAMS;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.engines.media.PngEncoder;
import gg.minis.studio.worker.engines.media.WebpEncoder;
import gg.minis.studio.worker.engines.testing.Jobs;
import gg.minis.studio.worker.natives.testing.NativeTestBackend;
import gg.minis.studio.worker.engines.testing.RefusedPort;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** img2img, inpainting and reference images: fetched over HTTP (WireMock) or file:, decoded, sized, passed on. */
class StableDiffusionEngineInputsTest extends SdFixture {
    @RegisterExtension
    static WireMockExtension http = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    /** A deterministic RGB picture: smooth gradients plus a block, so every channel varies. */
    static BufferedImage picture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = x * 255 / Math.max(1, w - 1);
                int g = y * 255 / Math.max(1, h - 1);
                int b = (x / 8 + y / 8) % 2 == 0 ? 40 : 200;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return img;
    }

    private String serve(String path, byte[] body, String type) {
        http.stubFor(get(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", type).withBody(body)));
        return http.baseUrl() + path + "?X-Amz-Signature=secret";
    }

    @Test
    void img2imgWithDenoiseZeroReproducesTheInitImageServedOverHttp() throws Exception {
        BufferedImage init = picture(96, 64);
        String url = serve("/inputs/init.png", PngEncoder.encode(init), "image/png");

        var result = run(claim(Jobs.image().size(96, 64).init(url).denoise(0.0).build()));

        http.verify(1, getRequestedFor(urlPathEqualTo("/inputs/init.png")));
        byte[] initRgb = rgb(init);
        assertThat(nativeBackend.echo(ECHO_IMAGE_PARAMS))
                .containsEntry("init_image", NativeTestBackend.imageHash(96, 64, 3, initRgb))
                .containsEntry("strength", "0").containsEntry("mask_image", "(null)");
        assertSamePixels(rgb(decode(result.bytes())), initRgb);
    }

    @Test
    void denoiseBecomesStrength() throws Exception {
        String url = serve("/inputs/init.png", PngEncoder.encode(picture(64, 64)), "image/png");
        run(claim(Jobs.image().init(url).denoise(0.35).build()));
        assertThat(nativeBackend.echo(ECHO_IMAGE_PARAMS)).containsEntry("strength", "0.349999994"); // 0.35f
        run(claim(Jobs.image().init(url).build()));
        assertThat(nativeBackend.echo(ECHO_IMAGE_PARAMS)).as("default strength").containsEntry("strength", "0.75");
    }

    @Test
    void webpAndJpegInitImagesAreDecodedToo() throws Exception {
        BufferedImage init = picture(64, 64);
        String webp = serve("/inputs/init.webp", WebpEncoder.encode(init), "image/webp");
        var r = run(claim(Jobs.image().init(webp).denoise(0.0).build()));
        assertSamePixels(rgb(decode(r.bytes())), rgb(init));

        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(init, "jpeg", jpeg);
        String jpg = serve("/inputs/init.jpg", jpeg.toByteArray(), "image/jpeg");
        run(claim(Jobs.image().init(jpg).denoise(0.0).build()));
        assertThat(nativeBackend.echo(ECHO_IMAGE_PARAMS).get("init_image")).startsWith("64x64x3:");
    }

    @Test
    void anInitImageOfAnotherSizeIsScaledToTheJobSize() throws Exception {
        String url = serve("/inputs/big.png", PngEncoder.encode(picture(400, 300)), "image/png");
        var r = run(claim(Jobs.image().size(128, 96).init(url).denoise(0.0).build()));
        assertThat(nativeBackend.echo(ECHO_IMAGE_PARAMS).get("init_image")).startsWith("128x96x3:");
        BufferedImage out = decode(r.bytes());
        assertThat(out.getWidth()).isEqualTo(128);
        // scaled, not cropped: the red gradient still runs from left to right
        assertThat(new Color(out.getRGB(2, 48)).getRed()).isLessThan(20);
        assertThat(new Color(out.getRGB(125, 48)).getRed()).isGreaterThan(235);
    }

    @Test
    void aMaskKeepsTheInitImageWhereItIsBlack() throws Exception {
        BufferedImage init = picture(64, 64);
        BufferedImage mask = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = mask.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 32, 64); // left half repainted, right half kept
        g.dispose();
        String initUrl = serve("/inputs/init.png", PngEncoder.encode(init), "image/png");
        String maskUrl = serve("/inputs/mask.png", PngEncoder.encode(mask), "image/png");

        var r = run(claim(Jobs.image().init(initUrl).mask(maskUrl).denoise(1.0).build()));

        assertThat(nativeBackend.echo(ECHO_IMAGE_PARAMS).get("mask_image")).startsWith("64x64x1:");
        BufferedImage out = decode(r.bytes());
        int changed = 0;
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                if (x >= 32) {
                    assertThat(out.getRGB(x, y)).as("kept pixel %d,%d", x, y).isEqualTo(init.getRGB(x, y));
                } else if (out.getRGB(x, y) != init.getRGB(x, y)) {
                    changed++;
                }
            }
        }
        assertThat(changed).as("repainted pixels").isGreaterThan(1000);
    }

    @Test
    void aReferenceImageIsPassedAsRefImage() throws Exception {
        BufferedImage ref = picture(64, 64);
        String url = serve("/inputs/ref.png", PngEncoder.encode(ref), "image/png");
        run(claim(Jobs.image().ref(url).build()));
        assertThat(nativeBackend.echo(ECHO_IMAGE_PARAMS)).containsEntry("n_ref_images", "1")
                .containsEntry("ref_images[0]", NativeTestBackend.imageHash(64, 64, 3, rgb(ref)))
                .containsEntry("init_image", "(null)");
    }

    @Test
    void fileUrlsWorkForLocalUse() throws Exception {
        BufferedImage init = picture(64, 64);
        Path file = dir.resolve("init image.png");
        Files.write(file, PngEncoder.encode(init));
        var r = run(claim(Jobs.image().init(file.toUri().toString()).denoise(0.0).build()));
        assertSamePixels(rgb(decode(r.bytes())), rgb(init));
    }

    @Test
    void anUnreachableUrlIsRetryableAndNamesFieldAndUrlWithoutQuery() throws Exception {
        try (RefusedPort refused = new RefusedPort()) {
            String url = refused.url("/inputs/init.png?X-Amz-Signature=secret");
            EngineException e = failure(claim(Jobs.image().init(url).build()));
            assertThat(e.retryable()).isTrue();
            assertThat(e).hasMessageStartingWith("task.initImageUrl: cannot fetch " + refused.url("/inputs/init.png"))
                    .hasMessageNotContaining("secret");
        }
        assertNextJobSucceeds();
    }

    @Test
    void httpErrorsNameTheStatus() throws Exception {
        http.stubFor(get(urlPathEqualTo("/inputs/gone.png")).willReturn(aResponse().withStatus(404)));
        http.stubFor(get(urlPathEqualTo("/inputs/busy.png")).willReturn(aResponse().withStatus(503)));
        EngineException gone = failure(claim(Jobs.image().ref(http.baseUrl() + "/inputs/gone.png?sig=s").build()));
        assertThat(gone.retryable()).isFalse();
        assertThat(gone).hasMessage("task.refImageUrl: " + http.baseUrl() + "/inputs/gone.png answered HTTP 404");
        EngineException busy = failure(claim(Jobs.image().mask(http.baseUrl() + "/inputs/busy.png")
                .init(http.baseUrl() + "/inputs/busy.png").build()));
        assertThat(busy.retryable()).isTrue();
        assertThat(busy).hasMessageContaining("task.initImageUrl").hasMessageContaining("HTTP 503");
        assertNextJobSucceeds();
    }

    @Test
    void anUndecodableImageIsPermanentAndNamesTheField() throws Exception {
        String url = serve("/inputs/not-an-image.png", "<html>login page</html>".getBytes(), "image/png");
        EngineException e = failure(claim(Jobs.image().init(url).build()));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessage("task.initImageUrl: " + http.baseUrl()
                + "/inputs/not-an-image.png is not a PNG, JPEG or WebP image");
        assertThat(files.resolved()).as("a bad input fails before any model download").isEmpty();

        byte[] png = PngEncoder.encode(picture(64, 64));
        byte[] truncated = java.util.Arrays.copyOf(png, png.length / 2);
        String broken = serve("/inputs/truncated.png", truncated, "image/png");
        EngineException e2 = failure(claim(Jobs.image().init(broken).build()));
        assertThat(e2.retryable()).isFalse();
        assertThat(e2).hasMessageContaining("task.initImageUrl: " + http.baseUrl() + "/inputs/truncated.png");
        assertNextJobSucceeds();
    }

    @Test
    void aMissingLocalFileOrAnUnsupportedSchemeIsPermanent() throws Exception {
        EngineException missing = failure(claim(Jobs.image().init(dir.resolve("nope.png").toUri().toString())
                .build()));
        assertThat(missing.retryable()).isFalse();
        assertThat(missing).hasMessageContaining("task.initImageUrl").hasMessageContaining("does not exist");
        EngineException ftp = failure(claim(Jobs.image().init("ftp://host/a.png?pw=1").build()));
        assertThat(ftp).hasMessage("task.initImageUrl must be an http(s) or file: URL, got ftp://host/a.png");
        assertNextJobSucceeds();
    }

    @Test
    void aBadInputDoesNotEvictTheResidentModel() throws Exception {
        run(claim(Jobs.image().build()));
        long opened = nativeBackend.logCount("image model opened");
        String url = serve("/inputs/bad.png", new byte[] {1, 2, 3}, "image/png");
        failure(claim(Jobs.image().init(url).build()));
        assertThat(engine.residentModel()).isPresent();
        assertNextJobSucceeds();
        assertThat(nativeBackend.logCount("image model opened")).isEqualTo(opened);
    }

}
