package gg.minis.studio.worker.runner.studio;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.http.ContentTypeHeader;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gg.minis.studio.worker.engines.testing.RefusedPort;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResultUploaderTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String PATH = "/mount/graphics/api/workers/w-1/jobs/job-7/complete";
    private static final String PROMPT = "a very long prompt — ünïcödé ✓ " + "x".repeat(2_000) + " the end";

    private ResultUploader uploader(Duration timeout) {
        return new ResultUploader(HTTP, StudioEndpoints.parse(wm.baseUrl() + "/mount/"), timeout, "studio-worker-java/test");
    }

    /** For answered requests: a timeout no busy machine reaches (only aTimeoutIsRetryable wants one to fire). */
    private ResultUploader uploader() {
        return uploader(Duration.ofSeconds(30));
    }

    private static LoggedRequest theRequest() {
        List<LoggedRequest> requests = wm.findAll(postRequestedFor(urlEqualTo(PATH)));
        assertThat(requests).hasSize(1);
        return requests.getFirst();
    }

    @ParameterizedTest
    @CsvSource({
        "png,  image/png",
        "webp, image/webp",
        "gif,  image/gif",
        "wav,  audio/wav",
        "mp3,  audio/mpeg",
        "mp4,  video/mp4",
        "PNG,  image/png",
        "xyz,  application/octet-stream",
    })
    void sendsEveryPartWithTheRightNameAndContentType(String ext, String contentType) throws Exception {
        wm.stubFor(post(PATH).willReturn(aResponse().withStatus(204)));
        byte[] bytes = new byte[4096];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + 7); // every byte value, CR and LF included
        }
        assertThat(uploader().upload("w-1", "tok-secret", "job-7", PROMPT, ext, bytes)).isEqualTo(204);

        LoggedRequest req = theRequest();
        assertThat(req.getHeader("Authorization")).isEqualTo("Bearer tok-secret");
        assertThat(req.getHeader("User-Agent")).isEqualTo("studio-worker-java/test");
        ContentTypeHeader type = req.contentTypeHeader();
        assertThat(type.mimeTypePart()).isEqualTo("multipart/form-data");
        assertThat(type.firstValue()).contains("boundary=");

        var parts = req.getParts().stream().collect(Collectors.toMap(p -> p.getName(), Function.identity()));
        assertThat(parts.keySet()).containsExactlyInAnyOrder("prompt", "ext", "image");
        assertThat(parts.get("prompt").getBody().asString()).isEqualTo(PROMPT);
        assertThat(new String(parts.get("prompt").getBody().asBytes(), StandardCharsets.UTF_8)).isEqualTo(PROMPT);
        assertThat(parts.get("ext").getBody().asString()).isEqualTo(ext);
        var image = parts.get("image");
        assertThat(image.getHeader("Content-Disposition").firstValue())
                .contains("name=\"image\"")
                .contains("filename=\"job-7." + ext + "\"");
        assertThat(image.getHeader("Content-Type").firstValue()).isEqualTo(contentType);
        assertThat(image.getBody().asBytes()).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202, 204})
    void anyTwoHundredIsSuccess(int status) throws Exception {
        wm.stubFor(post(PATH).willReturn(aResponse().withStatus(status).withBody(status == 204 ? "" : "{}")));
        assertThat(uploader().upload("w-1", "t", "job-7", "p", "png", new byte[] {1})).isEqualTo(status);
    }

    @ParameterizedTest
    @CsvSource({
        "400, false", "401, false", "403, false", "404, false", "409, false", "413, false", "422, false",
        "408, true", "425, true", "429, true", "500, true", "502, true", "503, true", "504, true",
    })
    void aFailureStatusIsAnUploadExceptionWithTheRightRetryability(int status, boolean retryable) {
        wm.stubFor(post(PATH).willReturn(aResponse().withStatus(status).withBody("{\"error\":\"nope " + status + "\"}")));
        UploadException e = catchThrowableOfType(UploadException.class,
                () -> uploader().upload("w-1", "t", "job-7", "p", "png", new byte[] {1}));
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.retryable()).isEqualTo(retryable);
        assertThat(e.getMessage()).contains("job-7").contains(String.valueOf(status)).contains("nope " + status);
    }

    @Test
    void aTimeoutIsRetryable() {
        wm.stubFor(post(PATH).willReturn(aResponse().withStatus(204).withFixedDelay(10_000)));
        UploadException e = catchThrowableOfType(UploadException.class,
                () -> uploader(Duration.ofMillis(200)).upload("w-1", "t", "job-7", "p", "png", new byte[] {1}));
        assertThat(e).isNotNull();
        assertThat(e.retryable()).isTrue();
        assertThat(e.status()).isZero();
        assertThat(e.getMessage()).contains("timed out");
    }

    @Test
    void anUnreachableStudioIsRetryable() throws Exception {
        try (RefusedPort unreachable = new RefusedPort()) {
            var down = new ResultUploader(HTTP, StudioEndpoints.parse(unreachable.url("/")), Duration.ofSeconds(30),
                    "ua");
            UploadException e = catchThrowableOfType(UploadException.class,
                    () -> down.upload("w-1", "t", "job-7", "p", "png", new byte[] {1}));
            assertThat(e).isNotNull();
            assertThat(e.retryable()).isTrue();
            assertThat(e.status()).isZero();
        }
    }

    @Test
    void aLongErrorBodyIsCutShort() {
        wm.stubFor(post(PATH).willReturn(aResponse().withStatus(500).withBody("e".repeat(5_000))));
        UploadException e = catchThrowableOfType(UploadException.class,
                () -> uploader().upload("w-1", "t", "job-7", "p", "png", new byte[] {1}));
        assertThat(e.getMessage().length()).isLessThan(500);
    }

}
