package gg.minis.studio.worker.runner.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Every config key, in the order the file is written: user settings first, then the internal keys the worker
 * maintains itself. The declaration order must match the record components of {@link WorkerConfig}.
 */
enum ConfigKey {
    API_BASE_URL("api_base_url", ValueType.url(List.of("http", "https", "ws", "wss"))),
    VRAM_THRESHOLD_GB("vram_threshold_gb", ValueType.number(0)),
    AUTO_START("auto_start", ValueType.bool()),
    AUTO_UPDATE_ENABLED("auto_update_enabled", ValueType.bool()),
    AUTO_UPDATE_INTERVAL_SECS("auto_update_interval_secs", ValueType.integer(60, Integer.MAX_VALUE)),
    AUTO_UPDATE_FEED("auto_update_feed", ValueType.url(List.of("http", "https"))),
    AUTO_UPDATE_PRERELEASE("auto_update_prerelease", ValueType.bool()),
    MODELS_ROOT("models_root", ValueType.text("expected a non-empty path", false)),
    WS_RECONNECT_ATTEMPTS("ws_reconnect_attempts", ValueType.integer(0, Integer.MAX_VALUE)),
    LOCAL_API_PORT("local_api_port", ValueType.integer(0, 65535)),
    ENGINE("engine", ValueType.choice(WorkerConfig.ENGINES)),
    NATIVE_DIR("native_dir", ValueType.text("expected a path", true)),
    MAX_FRAME_BYTES("max_frame_bytes", ValueType.integer(1024, Integer.MAX_VALUE)),
    JOB_TIMEOUT_SECS_IMAGE("job_timeout_secs_image", ValueType.integer(1, WorkerConfig.MAX_JOB_TIMEOUT_SECS)),
    JOB_TIMEOUT_SECS_LLM("job_timeout_secs_llm", ValueType.integer(1, WorkerConfig.MAX_JOB_TIMEOUT_SECS)),
    JOB_TIMEOUT_SECS_AUDIO_STT("job_timeout_secs_audio_stt", ValueType.integer(1, WorkerConfig.MAX_JOB_TIMEOUT_SECS)),
    JOB_TIMEOUT_SECS_AUDIO_TTS("job_timeout_secs_audio_tts", ValueType.integer(1, WorkerConfig.MAX_JOB_TIMEOUT_SECS)),
    JOB_TIMEOUT_SECS_VIDEO("job_timeout_secs_video", ValueType.integer(1, WorkerConfig.MAX_JOB_TIMEOUT_SECS)),
    WEBP_QUALITY("webp_quality", ValueType.integer(0, 100)),
    // Internal: written by registration, not meant to be edited by hand.
    WORKER_ID("worker_id", ValueType.text("expected a worker id", true), Flag.INTERNAL),
    AUTH_TOKEN("auth_token", ValueType.text("expected a token", true), Flag.INTERNAL, Flag.SECRET),
    INSTALL_ID("install_id", ValueType.uuid(true), Flag.INTERNAL),
    REGISTRATION_REQUEST_ID("registration_request_id", ValueType.text("expected a request id", true), Flag.INTERNAL),
    REGISTRATION_SECRET("registration_secret",
            ValueType.pattern(Pattern.compile("[0-9a-f]{64}"), "expected 64 lowercase hex characters", true),
            Flag.INTERNAL, Flag.SECRET),
    REGISTRATION_REJECTED_REASON("registration_rejected_reason",
            ValueType.text("expected the studio's rejection reason", true), Flag.INTERNAL);

    enum Flag { INTERNAL, SECRET }

    static final String REDACTED = "<redacted>";
    private static final int MAX_SHOWN = 80;

    final String key;
    private final ValueType<Object> type;
    final boolean internal;
    final boolean secret;

    @SuppressWarnings("unchecked")
    ConfigKey(String key, ValueType<?> type, Flag... flags) {
        this.key = key;
        this.type = (ValueType<Object>) type;
        this.internal = Arrays.asList(flags).contains(Flag.INTERNAL);
        this.secret = Arrays.asList(flags).contains(Flag.SECRET);
    }

    static final List<String> NAMES = Arrays.stream(values()).map(k -> k.key).toList();

    /** The key named {@code name}, or a ConfigException listing the known ones. */
    static ConfigKey of(String name) throws ConfigException {
        for (ConfigKey k : values()) {
            if (k.key.equals(name)) {
                return k;
            }
        }
        throw new ConfigException(null, name, "unknown key; known keys: " + String.join(", ", NAMES));
    }

    static ConfigKey find(String name) {
        for (ConfigKey k : values()) {
            if (k.key.equals(name)) {
                return k;
            }
        }
        return null;
    }

    boolean optional() {
        return type.optional();
    }

    Object parse(JsonNode node, Path file) throws ConfigException {
        try {
            return type.parse(node);
        } catch (ValueType.Invalid e) {
            throw new ConfigException(file, key, problem(node.isTextual() ? quote(node.textValue()) : node.toString()));
        }
    }

    Object parse(String text) throws ConfigException {
        try {
            return type.parse(text);
        } catch (ValueType.Invalid e) {
            throw new ConfigException(null, key, problem(quote(text == null ? "" : text.strip())));
        }
    }

    /** Throws IllegalArgumentException when a value built in code breaks the rules; see WorkerConfig's constructor. */
    void require(Object value) {
        if (!type.valid(value)) {
            throw new IllegalArgumentException(key + ": " + problem(value == null ? "nothing" : quote(type.toText(value))));
        }
    }

    Object toToml(Object value) {
        return type.toToml(value);
    }

    String toText(Object value) {
        return type.toText(value);
    }

    /** {@code expected ..., got VALUE}, with secrets replaced so that messages and logs never carry them. */
    private String problem(String shown) {
        String got = secret ? REDACTED : shown.length() > MAX_SHOWN ? shown.substring(0, MAX_SHOWN) + "..." : shown;
        return type.expected() + ", got " + got;
    }

    /** Double-quoted with control characters escaped, so that a value with newlines keeps the message on one line. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
