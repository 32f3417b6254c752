package gg.minis.studio.worker.runner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorkerConfigTest {
    static final String TOKEN = "tok_9f8e7d6c5b4a-very-secret";
    static final String SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static final UUID INSTALL_ID = UUID.fromString("6f1c2d3e-4a5b-4c6d-8e9f-a0b1c2d3e4f5");

    /** A text for every key that differs from its default and is in the form valueText prints. */
    static Map<String, String> sampleTexts() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("api_base_url", "http://localhost:8080/studio/");
        m.put("vram_threshold_gb", "7.5");
        m.put("auto_start", "true");
        m.put("auto_update_enabled", "false");
        m.put("auto_update_interval_secs", "3600");
        m.put("auto_update_feed", "https://example.com/releases");
        m.put("auto_update_prerelease", "true");
        m.put("models_root", "/srv/models with space/'quoted' \"double\" back\\slash ünï");
        m.put("ws_reconnect_attempts", "0");
        m.put("local_api_port", "8080");
        m.put("engine", "whisper-cpp");
        m.put("native_dir", "~/native");
        m.put("max_frame_bytes", "1024");
        m.put("job_timeout_secs_image", "30");
        m.put("job_timeout_secs_llm", "31");
        m.put("job_timeout_secs_audio_stt", "32");
        m.put("job_timeout_secs_audio_tts", "33");
        m.put("job_timeout_secs_video", "34");
        m.put("webp_quality", "75");
        m.put("worker_id", "w-123");
        m.put("auth_token", TOKEN);
        m.put("install_id", INSTALL_ID.toString());
        m.put("registration_request_id", "req-42");
        m.put("registration_secret", SECRET);
        m.put("registration_rejected_reason", "duplicate machine");
        return m;
    }

    static WorkerConfig everythingSet() throws ConfigException {
        WorkerConfig c = WorkerConfig.defaults();
        for (Map.Entry<String, String> e : sampleTexts().entrySet()) {
            c = c.withValue(e.getKey(), e.getValue());
        }
        return c;
    }

    @Test
    void defaultsMatchTheContract() {
        WorkerConfig d = WorkerConfig.defaults();
        assertThat(d.apiBaseUrl()).isEqualTo(URI.create("https://studio.minis.gg/"));
        assertThat(d.vramThresholdGb()).isEqualTo(12.0);
        assertThat(d.autoStart()).isFalse();
        assertThat(d.autoUpdateEnabled()).isTrue();
        assertThat(d.autoUpdateIntervalSecs()).isEqualTo(1800);
        assertThat(d.autoUpdateFeed())
                .isEqualTo(URI.create("https://api.github.com/repos/minis-gg/studio-worker-java/releases"));
        assertThat(d.autoUpdatePrerelease()).isFalse();
        assertThat(d.modelsRoot()).isEqualTo("~/models");
        assertThat(d.wsReconnectAttempts()).isEqualTo(5);
        assertThat(d.localApiPort()).isEqualTo(4787);
        assertThat(d.engine()).isEqualTo("synthetic");
        assertThat(d.nativeDir()).isNull();
        assertThat(d.maxFrameBytes()).isEqualTo(1_048_576);
        assertThat(d.webpQuality()).isEqualTo(90);
        assertThat(d.workerId()).isNull();
        assertThat(d.authToken()).isNull();
        assertThat(d.installId()).isNull();
        assertThat(d.registrationRequestId()).isNull();
        assertThat(d.registrationSecret()).isNull();
        assertThat(d.isRegistered()).isFalse();
    }

    @Test
    void keysAreSnakeCaseWithInternalOnesLast() {
        assertThat(WorkerConfig.keys()).containsExactlyElementsOf(sampleTexts().keySet());
        assertThat(WorkerConfig.keys().subList(19, 25)).allMatch(WorkerConfig::isInternal);
        assertThat(WorkerConfig.keys().subList(0, 19)).noneMatch(WorkerConfig::isInternal);
        assertThat(WorkerConfig.keys()).filteredOn(WorkerConfig::isSecret)
                .containsExactly("auth_token", "registration_secret");
    }

    @Test
    void everyKeyRoundTripsThroughText() throws ConfigException {
        WorkerConfig c = everythingSet();
        for (Map.Entry<String, String> e : sampleTexts().entrySet()) {
            assertThat(c.valueText(e.getKey(), true)).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(c.valueText(e.getKey(), true)).as(e.getKey() + " differs from default")
                    .isNotEqualTo(WorkerConfig.defaults().valueText(e.getKey(), true));
            // Writing back what get prints changes nothing.
            assertThat(c.withValue(e.getKey(), c.valueText(e.getKey(), true))).isEqualTo(c);
        }
        assertThat(c.installId()).isEqualTo(INSTALL_ID);
        assertThat(c.vramThresholdGb()).isEqualTo(7.5);
        assertThat(c.isRegistered()).isTrue();
    }

    @Test
    void defaultsRoundTripThroughText() throws ConfigException {
        WorkerConfig d = WorkerConfig.defaults();
        WorkerConfig copy = WorkerConfig.defaults().withValue("engine", "auto");
        for (String key : WorkerConfig.keys()) {
            copy = copy.withValue(key, d.valueText(key, true));
        }
        assertThat(copy).isEqualTo(d);
    }

    @Test
    void secretsAreHiddenUnlessRevealed() throws ConfigException {
        WorkerConfig c = everythingSet();
        assertThat(c.valueText("auth_token")).isEqualTo("<set>");
        assertThat(c.valueText("registration_secret")).isEqualTo("<set>");
        assertThat(WorkerConfig.defaults().valueText("auth_token")).isEqualTo("<unset>");
        assertThat(WorkerConfig.defaults().valueText("registration_secret")).isEqualTo("<unset>");
        assertThat(c.valueText("auth_token", true)).isEqualTo(TOKEN);
        assertThat(c.valueText("worker_id")).isEqualTo("w-123");
    }

    @Test
    void toStringRedactsSecrets() throws ConfigException {
        String s = everythingSet().toString();
        assertThat(s).doesNotContain(TOKEN).doesNotContain(SECRET)
                .contains("auth_token=<set>", "registration_secret=<set>", "worker_id=w-123",
                        "api_base_url=http://localhost:8080/studio/");
        assertThat(WorkerConfig.defaults().toString()).contains("auth_token=<unset>");
    }

    @Test
    void emptyTextUnsetsOptionalKeys() throws ConfigException {
        WorkerConfig c = everythingSet();
        for (String key : new String[] {"native_dir", "worker_id", "auth_token", "install_id",
                "registration_request_id", "registration_secret", "registration_rejected_reason"}) {
            assertThat(c.withValue(key, "").valueText(key, true)).as(key)
                    .isEqualTo(WorkerConfig.defaults().valueText(key, true));
        }
        assertThat(c.withAuthToken("  ").authToken()).isNull();
    }

    @Test
    void textIsTrimmedAndNamesAreCaseInsensitive() throws ConfigException {
        WorkerConfig c = WorkerConfig.defaults()
                .withValue("auto_start", " TRUE ")
                .withValue("engine", "SD-CPP")
                .withValue("local_api_port", " 0 ")
                .withValue("vram_threshold_gb", "12")
                .withValue("api_base_url", "WSS://studio.example/");
        assertThat(c.autoStart()).isTrue();
        assertThat(c.engine()).isEqualTo("sd-cpp");
        assertThat(c.localApiPort()).isZero();
        assertThat(c.vramThresholdGb()).isEqualTo(12.0);
        assertThat(c.apiBaseUrl().getScheme()).isEqualTo("WSS");
    }

    @Test
    void withMethodsChangeOnlyTheirField() {
        WorkerConfig c = WorkerConfig.defaults()
                .withWorkerId("w-1")
                .withAuthToken(TOKEN)
                .withInstallId(INSTALL_ID)
                .withRegistrationRequestId("r-1")
                .withRegistrationSecret(SECRET);
        assertThat(c.workerId()).isEqualTo("w-1");
        assertThat(c.authToken()).isEqualTo(TOKEN);
        assertThat(c.installId()).isEqualTo(INSTALL_ID);
        assertThat(c.registrationRequestId()).isEqualTo("r-1");
        assertThat(c.registrationSecret()).isEqualTo(SECRET);
        assertThat(c.withWorkerId(null).withAuthToken(null).withInstallId(null).withRegistrationRequestId(null)
                .withRegistrationSecret(null)).isEqualTo(WorkerConfig.defaults());
    }

    @Test
    void constructorRejectsInvalidValuesWithoutEchoingSecrets() {
        assertThatThrownBy(() -> WorkerConfig.defaults().withRegistrationSecret("NOT-HEX-" + TOKEN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("registration_secret")
                .hasMessageContaining("<redacted>")
                .hasMessageNotContaining(TOKEN);
        assertThatThrownBy(() -> new WorkerConfig(null, 1, false, false, 60, URI.create("https://x.example/"), false,
                "m", 0, 0, "auto", null, 1024, 1, 1, 1, 1, 1, 90, null, null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("api_base_url: ");
        assertThatThrownBy(() -> new WorkerConfig(URI.create("https://x.example/"), Double.NaN, false, false, 60,
                URI.create("https://x.example/"), false, "m", 0, 0, "auto", null, 1024, 1, 1, 1, 1, 1, 90, null, null, null,
                null, null, null))
                .hasMessageStartingWith("vram_threshold_gb: expected a number >= 0");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            api_base_url              | not a url                  | expected an absolute http, https, ws or wss URL with a host, got "not a url"
            api_base_url              | ftp://example.com/         | expected an absolute http, https, ws or wss URL with a host, got "ftp://example.com/"
            api_base_url              | studio.minis.gg            | got "studio.minis.gg"
            api_base_url              | https:///path-only         | got "https:///path-only"
            auto_update_feed          | ws://example.com/          | expected an absolute http or https URL with a host
            vram_threshold_gb         | -1                         | expected a number >= 0, got "-1"
            vram_threshold_gb         | abc                        | expected a number >= 0, got "abc"
            vram_threshold_gb         | NaN                        | got "NaN"
            vram_threshold_gb         | Infinity                   | got "Infinity"
            vram_threshold_gb         | 1e999                      | got "1e999"
            auto_update_interval_secs | 59                         | expected an integer >= 60, got "59"
            auto_update_interval_secs | 90.5                       | got "90.5"
            ws_reconnect_attempts     | -1                         | expected an integer >= 0, got "-1"
            local_api_port            | 65536                      | expected an integer from 0 to 65535, got "65536"
            local_api_port            | -1                         | expected an integer from 0 to 65535, got "-1"
            local_api_port            | http                       | got "http"
            max_frame_bytes           | 1023                       | expected an integer >= 1024, got "1023"
            max_frame_bytes           | 99999999999                | got "99999999999"
            job_timeout_secs_image    | 0                          | expected an integer from 1 to 604800, got "0"
            job_timeout_secs_video    | soon                       | got "soon"
            webp_quality              | 101                        | expected an integer from 0 to 100, got "101"
            webp_quality              | -1                         | expected an integer from 0 to 100, got "-1"
            webp_quality              | high                       | got "high"
            auto_start                | yes                        | expected true or false, got "yes"
            engine                    | cuda                       | expected one of synthetic, sd-cpp, whisper-cpp, auto, got "cuda"
            models_root               | ''                         | expected a non-empty path, got ""
            install_id                | not-a-uuid                 | expected a UUID, got "not-a-uuid"
            install_id                | 1-1-1-1-1                  | expected a UUID, got "1-1-1-1-1"
            """)
    void invalidTextIsRejectedNamingKeyAndValue(String key, String text, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> WorkerConfig.defaults().withValue(key, text));
        assertThat(e.key()).isEqualTo(key);
        assertThat(e.file()).isNull();
        assertThat(e.getMessage()).startsWith(key + ": ").contains(expected);
    }

    @Test
    void invalidSecretIsRejectedWithoutEchoingIt() {
        String almost = SECRET.toUpperCase(); // right length, wrong case
        for (String bad : new String[] {almost, SECRET.substring(1), SECRET + "0", "zz" + SECRET.substring(2)}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> WorkerConfig.defaults().withValue("registration_secret", bad));
            assertThat(e.getMessage())
                    .isEqualTo("registration_secret: expected 64 lowercase hex characters, got <redacted>")
                    .doesNotContain(bad);
        }
    }

    @Test
    void unknownKeyListsTheKnownOnes() {
        ConfigException set = assertThrows(ConfigException.class,
                () -> WorkerConfig.defaults().withValue("vram_gb", "3"));
        assertThat(set.getMessage()).startsWith("vram_gb: unknown key; known keys: api_base_url, vram_threshold_gb")
                .contains(String.join(", ", WorkerConfig.keys()));
        ConfigException get = assertThrows(ConfigException.class, () -> WorkerConfig.defaults().valueText("nope"));
        assertThat(get.key()).isEqualTo("nope");
        assertThat(get.getMessage()).contains("registration_secret");
    }

    @Test
    void exceptionMessageLayout() {
        var file = java.nio.file.Path.of("/x/config.toml");
        assertThat(new ConfigException(file, "vram_threshold_gb", "expected a number >= 0, got \"abc\"").getMessage())
                .isEqualTo("/x/config.toml: vram_threshold_gb: expected a number >= 0, got \"abc\"");
        assertThat(new ConfigException(null, "k", "d").inFile(file).getMessage()).isEqualTo("/x/config.toml: k: d");
        assertThat(new ConfigException(file, null, "d").getMessage()).isEqualTo("/x/config.toml: d");
    }

    @Test
    void valuesWithNewlinesStayOnOneLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> WorkerConfig.defaults().withValue("engine", "a\nb\"c"));
        assertThat(e.getMessage()).doesNotContain("\n").endsWith("got \"a\\nb\\\"c\"");
    }
}
