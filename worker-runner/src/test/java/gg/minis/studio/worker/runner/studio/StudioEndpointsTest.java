package gg.minis.studio.worker.runner.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StudioEndpointsTest {
    @ParameterizedTest
    @CsvSource({
        "https://studio.minis.gg/,                    https://studio.minis.gg/graphics/api",
        "https://studio.minis.gg,                     https://studio.minis.gg/graphics/api",
        "https://studio.minis.gg//,                   https://studio.minis.gg/graphics/api",
        "https://studio.minis.gg/graphics/api,        https://studio.minis.gg/graphics/api",
        "https://studio.minis.gg/graphics/api/,       https://studio.minis.gg/graphics/api",
        "https://h/custom,                            https://h/custom/graphics/api",
        "https://h/custom/,                           https://h/custom/graphics/api",
        "https://h/custom/graphics/api/,              https://h/custom/graphics/api",
        "https://h:8443/custom?x=1#frag,              https://h:8443/custom/graphics/api",
        "https://h/?token=abc,                        https://h/graphics/api",
        "http://127.0.0.1:8080/,                      http://127.0.0.1:8080/graphics/api",
        "wss://h/,                                    https://h/graphics/api",
        "ws://h:9000/x,                               http://h:9000/x/graphics/api",
        "HTTPS://H/,                                  https://H/graphics/api",
        "'  https://h/  ',                            https://h/graphics/api",
    })
    void normalisesTheBase(String base, String api) {
        assertThat(StudioEndpoints.parse(base).apiBase()).hasToString(api);
    }

    @Test
    void everyRouteHangsOffTheNormalisedBase() {
        StudioEndpoints e = StudioEndpoints.parse("https://h/custom/?q=1");
        assertThat(e.registerRequest()).hasToString("https://h/custom/graphics/api/workers/register-request");
        assertThat(e.registerPoll("req-1")).hasToString("https://h/custom/graphics/api/workers/register-requests/req-1");
        assertThat(e.complete("w-1", "job-9"))
                .hasToString("https://h/custom/graphics/api/workers/w-1/jobs/job-9/complete");
        assertThat(e.connect("w-1")).hasToString("wss://h/custom/graphics/api/workers/w-1/connect");
    }

    @ParameterizedTest
    @CsvSource({
        "http://h/,     ws://h/graphics/api/workers/w/connect",
        "https://h/,    wss://h/graphics/api/workers/w/connect",
        "ws://h:81/,    ws://h:81/graphics/api/workers/w/connect",
        "wss://h/a/,    wss://h/a/graphics/api/workers/w/connect",
    })
    void mapsTheSchemeForTheWebSocket(String base, String connect) {
        assertThat(StudioEndpoints.parse(base).connect("w")).hasToString(connect);
    }

    @Test
    void idsAreEncodedAsPathSegments() {
        StudioEndpoints e = StudioEndpoints.parse("https://h/");
        assertThat(e.complete("w 1", "a/b?c")).hasToString("https://h/graphics/api/workers/w%201/jobs/a%2Fb%3Fc/complete");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://h/", "file:///etc/passwd", "mailto:x@y", "h/graphics", "//h/x"})
    void aBadSchemeIsAConfigErrorNamingTheValue(String base) {
        assertThatThrownBy(() -> StudioEndpoints.parse(base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(base);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://h/a b", "http://[::1/", "https://h/%zz"})
    void anUnparsableUrlIsAConfigErrorNamingTheValue(String base) {
        assertThatThrownBy(() -> StudioEndpoints.parse(base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(base);
    }

    @Test
    void aUrlWithoutHostIsRejected() {
        assertThatThrownBy(() -> StudioEndpoints.parse("https:///graphics/api"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("https:///graphics/api");
        assertThatThrownBy(() -> StudioEndpoints.parse(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("api_base_url");
    }
}
