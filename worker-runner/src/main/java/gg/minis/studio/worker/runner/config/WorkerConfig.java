package gg.minis.studio.worker.runner.config;

import gg.minis.studio.worker.engines.media.WebpSettings;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;

/**
 * The runner's settings, as read from {@code config.toml} (snake_case keys there, camelCase here). Immutable and
 * always valid: the constructor enforces the same rules as the file and {@code config set}. Nullable components are
 * the optional ones ({@code native_dir} and the internal registration keys); null means unset.
 *
 * @param apiBaseUrl             {@code api_base_url}: studio base URL, http/https/ws/wss with a host
 * @param vramThresholdGb        {@code vram_threshold_gb}: finite, >= 0
 * @param autoStart              {@code auto_start}
 * @param autoUpdateEnabled      {@code auto_update_enabled}
 * @param autoUpdateIntervalSecs {@code auto_update_interval_secs}: >= 60
 * @param autoUpdateFeed         {@code auto_update_feed}: http/https release feed
 * @param autoUpdatePrerelease   {@code auto_update_prerelease}
 * @param modelsRoot             {@code models_root}: as written, {@code ~} unexpanded; see {@link ConfigPaths#modelsRoot}
 * @param wsReconnectAttempts    {@code ws_reconnect_attempts}: >= 0, 0 = retry forever
 * @param localApiPort           {@code local_api_port}: 0..65535
 * @param engine                 {@code engine}: one of {@link #ENGINES}
 * @param nativeDir              {@code native_dir}: optional directory of native libraries; see {@link ConfigPaths#nativeDir}
 * @param maxFrameBytes          {@code max_frame_bytes}: >= 1024
 * @param jobTimeoutSecsImage    {@code job_timeout_secs_image}: the watchdog's budget for one image job, 1..604800
 * @param jobTimeoutSecsLlm      {@code job_timeout_secs_llm}: the same for llm jobs
 * @param jobTimeoutSecsAudioStt {@code job_timeout_secs_audio_stt}: the same for audio_stt jobs
 * @param jobTimeoutSecsAudioTts {@code job_timeout_secs_audio_tts}: the same for audio_tts jobs
 * @param jobTimeoutSecsVideo    {@code job_timeout_secs_video}: the same for video jobs
 * @param webpQuality            {@code webp_quality}: libwebp's lossy quality (0..100) for webp images the native
 *                               image engine writes; without libwebp they are lossless
 * @param workerId               {@code worker_id} (internal)
 * @param authToken              {@code auth_token} (internal, secret)
 * @param installId              {@code install_id} (internal)
 * @param registrationRequestId  {@code registration_request_id} (internal)
 * @param registrationSecret     {@code registration_secret} (internal, secret): 64 lowercase hex characters
 * @param registrationRejectedReason {@code registration_rejected_reason} (internal): set once the studio rejected
 *                               this install; cleared by {@code register --reset}
 */
public record WorkerConfig(
        URI apiBaseUrl,
        double vramThresholdGb,
        boolean autoStart,
        boolean autoUpdateEnabled,
        int autoUpdateIntervalSecs,
        URI autoUpdateFeed,
        boolean autoUpdatePrerelease,
        String modelsRoot,
        int wsReconnectAttempts,
        int localApiPort,
        String engine,
        String nativeDir,
        int maxFrameBytes,
        int jobTimeoutSecsImage,
        int jobTimeoutSecsLlm,
        int jobTimeoutSecsAudioStt,
        int jobTimeoutSecsAudioTts,
        int jobTimeoutSecsVideo,
        int webpQuality,
        String workerId,
        String authToken,
        UUID installId,
        String registrationRequestId,
        String registrationSecret,
        String registrationRejectedReason) {

    /** Allowed values of {@code engine}. Must not touch ConfigKey here: ConfigKey's initialiser reads this list. */
    public static final List<String> ENGINES = List.of("synthetic", "sd-cpp", "whisper-cpp", "auto");
    /** The largest {@code job_timeout_secs_*}: a week. */
    public static final int MAX_JOB_TIMEOUT_SECS = 7 * 24 * 3600;

    /** The default {@code webp_quality}: the engines' own default. */
    public static final int DEFAULT_WEBP_QUALITY = WebpSettings.DEFAULT_QUALITY;

    public static final String DEFAULT_API_BASE_URL = "https://studio.minis.gg/";
    public static final String DEFAULT_AUTO_UPDATE_FEED = "https://api.github.com/repos/minis-gg/studio-worker-java/releases";

    /** Shown by {@link #valueText} in place of a secret that is set / unset. */
    public static final String SET = "<set>";
    public static final String UNSET = "<unset>";

    public WorkerConfig {
        // Blank optional strings mean unset; normalising here keeps equals() and the file free of "" vs null.
        nativeDir = blankToNull(nativeDir);
        workerId = blankToNull(workerId);
        authToken = blankToNull(authToken);
        registrationRequestId = blankToNull(registrationRequestId);
        registrationSecret = blankToNull(registrationSecret);
        registrationRejectedReason = blankToNull(registrationRejectedReason);
        Object[] values = {apiBaseUrl, vramThresholdGb, autoStart, autoUpdateEnabled, autoUpdateIntervalSecs,
                autoUpdateFeed, autoUpdatePrerelease, modelsRoot, wsReconnectAttempts, localApiPort, engine, nativeDir,
                maxFrameBytes, jobTimeoutSecsImage, jobTimeoutSecsLlm, jobTimeoutSecsAudioStt, jobTimeoutSecsAudioTts,
                jobTimeoutSecsVideo, webpQuality, workerId, authToken, installId, registrationRequestId,
                registrationSecret, registrationRejectedReason};
        ConfigKey[] keys = ConfigKey.values();
        for (int i = 0; i < keys.length; i++) {
            keys[i].require(values[i]);
        }
    }

    /** The settings a fresh install starts with. */
    public static WorkerConfig defaults() {
        return new WorkerConfig(URI.create(DEFAULT_API_BASE_URL), 12.0, false, true, 1800,
                URI.create(DEFAULT_AUTO_UPDATE_FEED), false, "~/models", 5, 4787, "synthetic", null, 1_048_576,
                600, 600, 1800, 600, 3600, DEFAULT_WEBP_QUALITY, null, null, null, null, null, null);
    }

    /** All keys in file order, user settings first and internal keys last. */
    public static List<String> keys() {
        return ConfigKey.NAMES;
    }

    /** True for {@code auth_token} and {@code registration_secret}, which are never printed or logged. */
    public static boolean isSecret(String key) {
        ConfigKey k = ConfigKey.find(key);
        return k != null && k.secret;
    }

    /** True for keys the worker maintains itself (registration state), as opposed to user settings. */
    public static boolean isInternal(String key) {
        ConfigKey k = ConfigKey.find(key);
        return k != null && k.internal;
    }

    public Duration autoUpdateInterval() {
        return Duration.ofSeconds(autoUpdateIntervalSecs);
    }

    /** The watchdog's budget for one job of {@code kind} ({@code job_timeout_secs_<kind>}). */
    public Duration jobTimeout(gg.minis.studio.worker.api.task.TaskKind kind) {
        return Duration.ofSeconds(switch (kind) {
            case IMAGE -> jobTimeoutSecsImage;
            case LLM -> jobTimeoutSecsLlm;
            case AUDIO_STT -> jobTimeoutSecsAudioStt;
            case AUDIO_TTS -> jobTimeoutSecsAudioTts;
            case VIDEO -> jobTimeoutSecsVideo;
        });
    }

    /** True when registration has completed: the worker has both an id and a token to connect with. */
    public boolean isRegistered() {
        return workerId != null && authToken != null;
    }

    public WorkerConfig withWorkerId(String v) {
        return with(ConfigKey.WORKER_ID, v);
    }

    public WorkerConfig withAuthToken(String v) {
        return with(ConfigKey.AUTH_TOKEN, v);
    }

    public WorkerConfig withInstallId(UUID v) {
        return with(ConfigKey.INSTALL_ID, v);
    }

    public WorkerConfig withRegistrationRequestId(String v) {
        return with(ConfigKey.REGISTRATION_REQUEST_ID, v);
    }

    public WorkerConfig withRegistrationSecret(String v) {
        return with(ConfigKey.REGISTRATION_SECRET, v);
    }

    public WorkerConfig withRegistrationRejectedReason(String v) {
        return with(ConfigKey.REGISTRATION_REJECTED_REASON, v);
    }

    /**
     * A copy with {@code key} set from user text ({@code config set KEY VALUE}): {@code true}/{@code false}, decimal
     * numbers, URLs, names; an empty text unsets an optional key.
     *
     * @throws ConfigException naming the key and (unless secret) the value; for an unknown key, listing the known ones
     */
    public WorkerConfig withValue(String key, String text) throws ConfigException {
        ConfigKey k = ConfigKey.of(key);
        return with(k, k.parse(text));
    }

    /** {@link #valueText(String, boolean)} with secrets hidden. */
    public String valueText(String key) throws ConfigException {
        return valueText(key, false);
    }

    /**
     * The value of {@code key} as {@link #withValue} accepts it; empty for an unset optional key. Secrets come out as
     * {@value #SET} / {@value #UNSET} unless {@code revealSecrets}.
     */
    public String valueText(String key, boolean revealSecrets) throws ConfigException {
        return text(ConfigKey.of(key), revealSecrets);
    }

    /** Key -> value in file order, nulls left out; what ConfigStore writes. */
    Map<String, Object> toTomlMap(boolean internal) {
        Object[] values = componentValues();
        Map<String, Object> map = new LinkedHashMap<>();
        for (ConfigKey k : ConfigKey.values()) {
            Object v = values[k.ordinal()];
            if (k.internal == internal && v != null) {
                map.put(k.key, k.toToml(v));
            }
        }
        return map;
    }

    /** Components in ConfigKey order. */
    Object[] componentValues() {
        return new Object[] {apiBaseUrl, vramThresholdGb, autoStart, autoUpdateEnabled, autoUpdateIntervalSecs,
                autoUpdateFeed, autoUpdatePrerelease, modelsRoot, wsReconnectAttempts, localApiPort, engine, nativeDir,
                maxFrameBytes, jobTimeoutSecsImage, jobTimeoutSecsLlm, jobTimeoutSecsAudioStt, jobTimeoutSecsAudioTts,
                jobTimeoutSecsVideo, webpQuality, workerId, authToken, installId, registrationRequestId,
                registrationSecret, registrationRejectedReason};
    }

    /** The inverse of {@link #componentValues()}. */
    static WorkerConfig fromValues(Object[] v) {
        return new WorkerConfig((URI) v[0], (Double) v[1], (Boolean) v[2], (Boolean) v[3], (Integer) v[4],
                (URI) v[5], (Boolean) v[6], (String) v[7], (Integer) v[8], (Integer) v[9], (String) v[10],
                (String) v[11], (Integer) v[12], (Integer) v[13], (Integer) v[14], (Integer) v[15],
                (Integer) v[16], (Integer) v[17], (Integer) v[18], (String) v[19], (String) v[20], (UUID) v[21],
                (String) v[22], (String) v[23], (String) v[24]);
    }

    private WorkerConfig with(ConfigKey key, Object value) {
        Object[] values = componentValues();
        values[key.ordinal()] = value;
        return fromValues(values);
    }

    private String text(ConfigKey k, boolean revealSecrets) {
        Object v = componentValues()[k.ordinal()];
        if (k.secret && !revealSecrets) {
            return v == null ? UNSET : SET;
        }
        return k.toText(v);
    }

    /** Secrets show as {@value #SET} / {@value #UNSET}, so that logging a config never leaks them. */
    @Override
    public String toString() {
        StringJoiner sj = new StringJoiner(", ", "WorkerConfig[", "]");
        for (ConfigKey k : ConfigKey.values()) {
            sj.add(k.key + "=" + text(k, false));
        }
        return sj.toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
