package gg.minis.studio.worker.runner.config;

import java.nio.file.Path;

/**
 * A configuration problem, worded for the user on one line: {@code FILE: KEY: DETAIL}, leaving out the parts that are
 * unknown. Details never contain secret values; {@link ValueType} puts {@code <redacted>} in their place.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String key;
    private final String detail;

    public ConfigException(Path file, String key, String detail) {
        this(file, key, detail, null);
    }

    public ConfigException(Path file, String key, String detail, Throwable cause) {
        super(format(file, key, detail), cause);
        this.file = file;
        this.key = key;
        this.detail = detail;
    }

    /** The config file, or null when the value did not come from one (e.g. {@code config set}). */
    public Path file() {
        return file;
    }

    /** The snake_case key at fault, or null for problems with the file as a whole. */
    public String key() {
        return key;
    }

    /** The message without the file and key prefix. */
    public String detail() {
        return detail;
    }

    /** The same problem, attributed to {@code file} (values parsed without a file get one once it is known). */
    public ConfigException inFile(Path file) {
        return new ConfigException(file, key, detail, getCause());
    }

    private static String format(Path file, String key, String detail) {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file).append(": ");
        }
        if (key != null) {
            sb.append(key).append(": ");
        }
        return sb.append(detail).toString();
    }
}
