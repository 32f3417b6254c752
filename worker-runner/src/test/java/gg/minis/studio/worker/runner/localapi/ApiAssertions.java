package gg.minis.studio.worker.runner.localapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;

/** The local API's error shape: status, JSON {@code {"error": code, "message": ...}}. */
final class ApiAssertions {
    private ApiAssertions() {}

    /** Asserts the status and code, and that the message contains every one of {@code inMessage}. */
    static void assertError(HttpResponse<byte[]> res, int status, String code, String... inMessage) throws Exception {
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(status);
        assertThat(res.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = ApiClient.json(res);
        assertThat(body.path("error").asText()).isEqualTo(code);
        assertThat(body.path("message").asText()).isNotBlank();
        for (String s : inMessage) {
            assertThat(body.path("message").asText()).contains(s);
        }
    }
}
