package gg.minis.studio.worker.runner.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where the config lives per OS, and how the paths inside it are resolved. The environment, OS name and home
 * directory are parameters so that every platform's rule can be tested on any platform.
 */
public final class ConfigPaths {
    public static final String APP_DIR = "minis-studio-worker";
    public static final String FILE_NAME = "config.toml";

    private ConfigPaths() {}

    /** The default config file for this process (used when {@code --config} is not given). */
    public static Path defaultConfigFile() {
        return defaultConfigFile(System.getenv(), System.getProperty("os.name", ""), userHome());
    }

    /**
     * Linux and other Unixes: {@code $XDG_CONFIG_HOME} or {@code ~/.config}; macOS: {@code ~/Library/Application
     * Support}; Windows: {@code %APPDATA%} or {@code ~\AppData\Roaming}; then {@code minis-studio-worker/config.toml}.
     */
    public static Path defaultConfigFile(Map<String, String> env, String osName, Path userHome) {
        return configDir(env, osName, userHome).resolve(APP_DIR).resolve(FILE_NAME);
    }

    private static Path configDir(Map<String, String> env, String osName, Path userHome) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            String appData = env.get("APPDATA");
            return nonBlank(appData) ? Path.of(appData) : userHome.resolve("AppData").resolve("Roaming");
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return userHome.resolve("Library").resolve("Application Support");
        }
        // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
        String xdg = env.get("XDG_CONFIG_HOME");
        if (nonBlank(xdg) && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg);
        }
        return userHome.resolve(".config");
    }

    /** {@code models_root} with a leading {@code ~} replaced by the user's home, the form the contract promises. */
    public static Path modelsRoot(WorkerConfig config) {
        return expandHome(config.modelsRoot(), userHome());
    }

    /** {@code native_dir} with {@code ~} expanded, or null when unset. */
    public static Path nativeDir(WorkerConfig config) {
        return config.nativeDir() == null ? null : expandHome(config.nativeDir(), userHome());
    }

    /**
     * Expands {@code ~}, {@code ~/rest} and (for Windows users) {@code ~\rest} against {@code userHome}. Other forms,
     * including {@code ~user}, are taken literally: the JVM has no portable way to look up another user's home.
     */
    public static Path expandHome(String path, Path userHome) {
        if (path.equals("~")) {
            return userHome;
        }
        if (path.startsWith("~/") || path.startsWith("~\\")) {
            String rest = path.substring(2);
            return rest.isEmpty() ? userHome : userHome.resolve(rest);
        }
        return Path.of(path);
    }

    private static Path userHome() {
        return Path.of(System.getProperty("user.home"));
    }

    private static boolean nonBlank(String s) {
        return s != null && !s.isBlank();
    }
}
