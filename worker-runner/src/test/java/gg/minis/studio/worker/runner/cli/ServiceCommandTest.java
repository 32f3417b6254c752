package gg.minis.studio.worker.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.runner.service.CommandRunner;
import gg.minis.studio.worker.runner.service.ServiceEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner service ...} through the real command line, with a temp home and recorded commands. */
class ServiceCommandTest {
    @TempDir
    Path dir;

    private final List<List<String>> commands = new ArrayList<>();
    private BiFunction<Path, Path, ServiceEnvironment> original;
    private String os = "Linux";
    private Path jar;

    @BeforeEach
    void seam() throws Exception {
        jar = Files.createDirectories(dir.resolve("apps dir")).resolve("runner.jar");
        Files.writeString(jar, "jar");
        original = ServiceCommand.environment;
        CommandRunner recorder = c -> {
            commands.add(c);
            return new CommandRunner.Result(0, "active");
        };
        ServiceCommand.environment = (runnerJar, config) -> new ServiceEnvironment(os, dir.resolve("home"), Map.of(),
                Path.of("/usr/lib/jvm/jdk-25/bin/java"), runnerJar, config, recorder);
    }

    @AfterEach
    void restore() {
        ServiceCommand.environment = original;
    }

    private String config() {
        return dir.resolve("conf/config.toml").toString();
    }

    private Path unit() {
        return dir.resolve("home/.config/systemd/user/minis-studio-worker.service");
    }

    private String autoStart() {
        return CliRunner.run("--config", config(), "config", "get", "auto_start").out().strip();
    }

    @Test
    void installUninstallAndStatus() throws Exception {
        CliRunner install = CliRunner.run("--config", config(), "service", "install", "--jar", jar.toString());
        assertThat(install.exitCode()).as(install.err()).isZero();
        assertThat(install.out()).contains("installed systemd user service");
        assertThat(Files.readString(unit())).contains("-jar \"" + jar + "\" run --config " + config());
        assertThat(commands).containsExactly(List.of("systemctl", "--user", "daemon-reload"),
                List.of("systemctl", "--user", "enable", "--now", "minis-studio-worker.service"));
        assertThat(autoStart()).isEqualTo("true");

        CliRunner status = CliRunner.run("--config", config(), "service", "status");
        assertThat(status.out().strip()).isEqualTo("installed: " + unit() + " (active)");

        CliRunner uninstall = CliRunner.run("--config", config(), "service", "uninstall");
        assertThat(uninstall.exitCode()).as(uninstall.err()).isZero();
        assertThat(unit()).doesNotExist();
        assertThat(autoStart()).isEqualTo("false");
        assertThat(CliRunner.run("--config", config(), "service", "status").out()).startsWith("not installed");
    }

    @Test
    void dryRunPrintsAndChangesNothing() {
        CliRunner dry = CliRunner.run("--config", config(), "service", "install", "--dry-run", "--jar", jar.toString());
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("would write " + unit()).contains("ExecStart=/usr/lib/jvm/jdk-25/bin/java")
                .contains("would run: systemctl --user enable --now minis-studio-worker.service")
                .contains("would set auto_start = true");
        assertThat(unit()).doesNotExist();
        assertThat(commands).isEmpty();
        assertThat(Path.of(config())).doesNotExist();
    }

    @Test
    void failedCommandsAreListedForTheUser() {
        ServiceCommand.environment = (runnerJar, config) -> new ServiceEnvironment("Linux", dir.resolve("home"),
                Map.of(), Path.of("/usr/bin/java"), runnerJar, config, c -> new CommandRunner.Result(1, "no bus"));
        CliRunner install = CliRunner.run("--config", config(), "service", "install", "--jar", jar.toString());
        assertThat(install.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(install.err()).contains("run them by hand").contains("  systemctl --user daemon-reload");
        assertThat(unit()).exists();
    }

    @Test
    void unsupportedOsAndMissingJarAreOneLineErrors() {
        os = "AIX";
        CliRunner aix = CliRunner.run("--config", config(), "service", "install", "--jar", jar.toString());
        assertThat(aix.exitCode()).isEqualTo(ExitCodes.UNSUPPORTED);
        assertThat(aix.err().strip()).isEqualTo("runner: autostart is not supported on AIX; start 'runner run' from"
                + " your own init system");

        os = "Linux";
        CliRunner noJar = CliRunner.run("--config", config(), "service", "install");
        assertThat(noJar.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noJar.err()).contains("--jar");
        CliRunner wrongJar = CliRunner.run("--config", config(), "service", "install", "--jar",
                dir.resolve("nope.jar").toString());
        assertThat(wrongJar.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(wrongJar.err()).contains("no runner jar at");
    }
}
