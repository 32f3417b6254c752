package gg.minis.studio.worker.engines.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Fetching job inputs against a real HTTP peer (WireMock): limits, faults, time-outs, cancellation, redaction. */
class InputFetcherTest {
    @RegisterExtension
    static WireMockExtension http = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    /** A timeout no answered request reaches, however busy the machine: only the stall test wants one to fire. */
    private final InputFetcher fetcher = new InputFetcher(HttpClient.newHttpClient(), Duration.ofSeconds(30));

    @Test
    void bodiesAreReadAndRedirectsFollowed() throws Exception {
        http.stubFor(get(urlPathEqualTo("/a")).willReturn(aResponse().withBody("hello")));
        http.stubFor(get(urlPathEqualTo("/moved")).willReturn(aResponse().withStatus(302)
                .withHeader("Location", http.baseUrl() + "/a")));
        InputFetcher following = InputFetcher.defaults();
        assertThat(following.fetch("task.inputUrl", http.baseUrl() + "/moved?x=1", 100, CancellationToken.none()))
                .asString().isEqualTo("hello");
    }

    @Test
    void anInputOverTheLimitIsPermanent() {
        http.stubFor(get(urlPathEqualTo("/big")).willReturn(aResponse().withBody(new byte[1000])));
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> fetcher.fetch("task.initImageUrl", http.baseUrl() + "/big?sig=s", 999, CancellationToken.none()));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining("task.initImageUrl: " + http.baseUrl() + "/big is ")
                .hasMessageContaining("999").hasMessageNotContaining("sig=");
    }

    @Test
    void aConnectionResetIsRetryable() {
        http.stubFor(get(urlPathEqualTo("/reset")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> fetcher.fetch("task.inputUrl", http.baseUrl() + "/reset", 100, CancellationToken.none()));
        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessageStartingWith("task.inputUrl: cannot fetch " + http.baseUrl() + "/reset");
    }

    @Test
    void aServerThatNeverAnswersTimesOutRetryably() {
        http.stubFor(get(urlPathEqualTo("/stall")).willReturn(aResponse().withFixedDelay(10_000).withBody("x")));
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> new InputFetcher(HttpClient.newHttpClient(), Duration.ofMillis(500))
                        .fetch("task.inputUrl", http.baseUrl() + "/stall", 100, CancellationToken.none()));
        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessageContaining("task.inputUrl").hasMessageContaining("/stall");
    }

    @Test
    void cancellingAWaitingFetchEndsIt() {
        http.stubFor(get(urlPathEqualTo("/slow")).willReturn(aResponse().withFixedDelay(10_000).withBody("x")));
        CancellationToken token = new CancellationToken();
        InputFetcher patient = new InputFetcher(HttpClient.newHttpClient(), Duration.ofMinutes(1));
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException ignored) {
                // cancel anyway
            }
            token.cancel("stop");
        });
        JobCancelledException e = catchThrowableOfType(JobCancelledException.class,
                () -> patient.fetch("task.inputUrl", http.baseUrl() + "/slow", 100, token));
        assertThat(e).hasMessage("cancelled: stop");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "https://user:pw@cdn.example:8443/a/b.png?X-Amz-Signature=abc#frag | https://cdn.example:8443/a/b.png",
        "http://host/p%20q.wav?token=1 | http://host/p%20q.wav",
        "file:///tmp/a.wav | file:///tmp/a.wav",
        "file:/tmp/a.wav?x | file:/tmp/a.wav",
        "not a url?secret=1 | not a url"})
    void redactionDropsCredentialsQueryAndFragment(String url, String shown) {
        assertThat(InputFetcher.redact(url)).isEqualTo(shown);
    }
}
