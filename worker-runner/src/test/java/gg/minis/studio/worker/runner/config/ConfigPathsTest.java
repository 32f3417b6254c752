package gg.minis.studio.worker.runner.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigPathsTest {
    private static final Path HOME = Path.of("/home/ada");

    @Test
    void linuxUsesDotConfigWithoutXdg() {
        assertThat(ConfigPaths.defaultConfigFile(Map.of(), "Linux", HOME))
                .isEqualTo(Path.of("/home/ada/.config/minis-studio-worker/config.toml"));
    }

    @Test
    void linuxHonoursAbsoluteXdgConfigHome() {
        assertThat(ConfigPaths.defaultConfigFile(Map.of("XDG_CONFIG_HOME", "/xdg/conf"), "Linux", HOME))
                .isEqualTo(Path.of("/xdg/conf/minis-studio-worker/config.toml"));
    }

    @Test
    void relativeOrBlankXdgConfigHomeIsIgnored() {
        Path expected = Path.of("/home/ada/.config/minis-studio-worker/config.toml");
        assertThat(ConfigPaths.defaultConfigFile(Map.of("XDG_CONFIG_HOME", "conf"), "Linux", HOME))
                .isEqualTo(expected);
        assertThat(ConfigPaths.defaultConfigFile(Map.of("XDG_CONFIG_HOME", " "), "FreeBSD", HOME))
                .isEqualTo(expected);
    }

    @Test
    void macOsUsesApplicationSupportEvenWithXdg() {
        assertThat(ConfigPaths.defaultConfigFile(Map.of("XDG_CONFIG_HOME", "/xdg"), "Mac OS X", Path.of("/Users/ada")))
                .isEqualTo(Path.of("/Users/ada/Library/Application Support/minis-studio-worker/config.toml"));
    }

    @Test
    void windowsUsesAppData() {
        assertThat(ConfigPaths.defaultConfigFile(Map.of("APPDATA", "/appdata/roaming"), "Windows 11", HOME))
                .isEqualTo(Path.of("/appdata/roaming/minis-studio-worker/config.toml"));
        assertThat(ConfigPaths.defaultConfigFile(Map.of(), "Windows Server 2022", HOME))
                .isEqualTo(Path.of("/home/ada/AppData/Roaming/minis-studio-worker/config.toml"));
    }

    @Test
    void defaultForThisProcessEndsInTheAppDir() {
        Path p = ConfigPaths.defaultConfigFile();
        assertThat(p.getFileName()).hasToString("config.toml");
        assertThat(p.getParent().getFileName()).hasToString("minis-studio-worker");
    }

    @Test
    void tildeIsExpanded() {
        assertThat(ConfigPaths.expandHome("~", HOME)).isEqualTo(HOME);
        assertThat(ConfigPaths.expandHome("~/", HOME)).isEqualTo(HOME);
        assertThat(ConfigPaths.expandHome("~/models", HOME)).isEqualTo(Path.of("/home/ada/models"));
        assertThat(ConfigPaths.expandHome("~/a/b", HOME)).isEqualTo(Path.of("/home/ada/a/b"));
        assertThat(ConfigPaths.expandHome("/srv/models", HOME)).isEqualTo(Path.of("/srv/models"));
        // Only a leading "~" or "~/" is special.
        assertThat(ConfigPaths.expandHome("~bob/models", HOME)).isEqualTo(Path.of("~bob/models"));
        assertThat(ConfigPaths.expandHome("models/~/x", HOME)).isEqualTo(Path.of("models/~/x"));
    }

    @Test
    void modelsRootAndNativeDirUseTheUsersHome() throws ConfigException {
        Path home = Path.of(System.getProperty("user.home"));
        assertThat(ConfigPaths.modelsRoot(WorkerConfig.defaults())).isEqualTo(home.resolve("models"));
        assertThat(ConfigPaths.nativeDir(WorkerConfig.defaults())).isNull();
        assertThat(ConfigPaths.nativeDir(WorkerConfig.defaults().withValue("native_dir", "~/lib")))
                .isEqualTo(home.resolve("lib"));
    }
}
