package gg.minis.studio.worker.runner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every OS's autostart entry, generated here into a temp home, with recorded commands (nothing real is run). */
class ServiceManagerTest {
    @TempDir
    Path dir;

    private Path home;
    private Path java;
    private Path jar;
    private Path config;
    private RecordingCommands commands;

    @BeforeEach
    void paths() throws Exception {
        home = dir.resolve("home of ann");
        java = dir.resolve("my jdk/bin/java");
        jar = dir.resolve("My Apps/runner.jar");
        config = home.resolve(".config/minis-studio-worker/config.toml");
        Files.createDirectories(home);
        commands = new RecordingCommands();
    }

    private ServiceManager manager(String os) {
        return manager(os, Map.of());
    }

    private ServiceManager manager(String os, Map<String, String> env) {
        return ServiceManager.forEnvironment(new ServiceEnvironment(os, home, env, java, jar, config, commands))
                .orElseThrow();
    }

    // --- Linux / systemd

    @Test
    void systemdUnitQuotesPathsWithSpacesAndEscapesSpecifiers() {
        SystemdUserService systemd = (SystemdUserService) manager("Linux");
        assertThat(systemd.unitFile()).isEqualTo(home.resolve(".config/systemd/user/minis-studio-worker.service"));
        String unit = systemd.unitText();
        assertThat(unit).contains("ExecStart=\"" + java + "\" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xmn24m -jar \"" + jar
                + "\" run --config \"" + config + "\"\n");
        assertThat(unit).contains("Restart=on-failure\n").contains("RestartSec=10\n")
                .contains("[Install]\nWantedBy=default.target\n");

        Path odd = dir.resolve("100%/a\"b$HOME/runner.jar");
        String oddUnit = new SystemdUserService(new ServiceEnvironment("Linux", home, Map.of(),
                Path.of("/usr/bin/java"), odd, config, commands)).unitText();
        assertThat(oddUnit).contains("ExecStart=/usr/bin/java --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xmn24m -jar \""
                + dir + "/100%%/a\\\"b$$HOME/runner.jar\"");
    }

    @Test
    void systemdHonoursXdgConfigHome() {
        Path xdg = dir.resolve("xdg");
        SystemdUserService systemd = (SystemdUserService) manager("Linux", Map.of("XDG_CONFIG_HOME", xdg.toString()));
        assertThat(systemd.unitFile()).isEqualTo(xdg.resolve("systemd/user/minis-studio-worker.service"));
    }

    @Test
    void systemdInstallWritesTheUnitAndEnablesIt() throws Exception {
        SystemdUserService systemd = (SystemdUserService) manager("Linux");
        ServiceManager.Outcome outcome = systemd.execute(systemd.installPlan());
        assertThat(outcome.ok()).isTrue();
        assertThat(Files.readString(systemd.unitFile())).isEqualTo(systemd.unitText());
        assertThat(commands.commands).containsExactly(
                List.of("systemctl", "--user", "daemon-reload"),
                List.of("systemctl", "--user", "enable", "--now", "minis-studio-worker.service"));
    }

    @Test
    void systemdCommandsThatFailAreHandedToTheUser() throws Exception {
        commands = new RecordingCommands(c -> new CommandRunner.Result(1, "Failed to connect to bus"));
        SystemdUserService systemd = (SystemdUserService) manager("Linux");
        ServiceManager.Outcome outcome = systemd.execute(systemd.installPlan());
        assertThat(outcome.failedCommands()).containsExactly("systemctl --user daemon-reload",
                "systemctl --user enable --now minis-studio-worker.service");
        assertThat(systemd.unitFile()).exists(); // the unit is there; only the commands are left to the user
    }

    @Test
    void systemdUninstallDisablesAndRemoves() throws Exception {
        SystemdUserService systemd = (SystemdUserService) manager("Linux");
        systemd.execute(systemd.installPlan());
        commands.commands.clear();
        assertThat(systemd.execute(systemd.uninstallPlan()).ok()).isTrue();
        assertThat(systemd.unitFile()).doesNotExist();
        assertThat(commands.commands).containsExactly(
                List.of("systemctl", "--user", "disable", "--now", "minis-studio-worker.service"),
                List.of("systemctl", "--user", "daemon-reload"));
    }

    @Test
    void systemdStatus() throws Exception {
        commands = new RecordingCommands(c -> c.contains("is-active") ? new CommandRunner.Result(3, "inactive\n")
                : new CommandRunner.Result(0, ""));
        SystemdUserService systemd = (SystemdUserService) manager("Linux");
        assertThat(systemd.status().installed()).isFalse();
        systemd.execute(systemd.installPlan());
        ServiceManager.Status status = systemd.status();
        assertThat(status.installed()).isTrue();
        assertThat(status.state()).isEqualTo("inactive");
        assertThat(status.where()).isEqualTo(systemd.unitFile().toString());
    }

    @Test
    void dryRunDescribesWithoutChangingAnything() {
        SystemdUserService systemd = (SystemdUserService) manager("Linux");
        String text = systemd.describe(systemd.installPlan());
        assertThat(text).startsWith("would write " + systemd.unitFile() + ":\n")
                .contains("    ExecStart=\"" + java + "\"")
                .contains("would run: systemctl --user daemon-reload\n")
                .contains("would run: systemctl --user enable --now minis-studio-worker.service\n");
        assertThat(systemd.unitFile()).doesNotExist();
        assertThat(commands.commands).isEmpty();
    }

    // --- macOS / launchd

    @Test
    void launchAgentPlistListsEveryArgumentEscaped() {
        Path ampJar = dir.resolve("Tom & Jerry/runner.jar");
        LaunchAgentService launchd = new LaunchAgentService(new ServiceEnvironment("Mac OS X", home, Map.of(), java,
                ampJar, config, commands));
        assertThat(launchd.plistFile()).isEqualTo(home.resolve("Library/LaunchAgents/gg.minis.studio-worker.plist"));
        String plist = launchd.plistText();
        assertThat(plist).contains("""
                    <key>ProgramArguments</key>
                    <array>
                        <string>%s</string>
                        <string>--enable-native-access=ALL-UNNAMED</string>
                        <string>-XX:+UseSerialGC</string>
                        <string>-Xmn24m</string>
                        <string>-jar</string>
                        <string>%s</string>
                        <string>run</string>
                        <string>--config</string>
                        <string>%s</string>
                    </array>
                """.formatted(java, dir + "/Tom &amp; Jerry/runner.jar", config));
        assertThat(plist).contains("<key>Label</key>\n    <string>gg.minis.studio-worker</string>")
                .contains("<key>RunAtLoad</key>\n    <true/>")
                .contains("<key>SuccessfulExit</key>\n        <false/>");
    }

    @Test
    void launchAgentInstallLoadsAndUninstallUnloads() throws Exception {
        LaunchAgentService launchd = (LaunchAgentService) manager("Mac OS X");
        assertThat(launchd.execute(launchd.installPlan()).ok()).isTrue();
        assertThat(Files.readString(launchd.plistFile())).isEqualTo(launchd.plistText());
        assertThat(commands.commands).containsExactly(
                List.of("launchctl", "unload", launchd.plistFile().toString()),
                List.of("launchctl", "load", "-w", launchd.plistFile().toString()));
        assertThat(launchd.status())
                .isEqualTo(new ServiceManager.Status(true, launchd.plistFile().toString(), "loaded"));

        commands.commands.clear();
        launchd.execute(launchd.uninstallPlan());
        assertThat(launchd.plistFile()).doesNotExist();
        assertThat(commands.commands).containsExactly(
                List.of("launchctl", "unload", "-w", launchd.plistFile().toString()));
        assertThat(launchd.status().installed()).isFalse();
    }

    // --- Windows

    @Test
    void windowsTaskRunsJavawWithQuotedPaths() throws Exception {
        Path javaExe = dir.resolve("Program Files/Java/bin/java.exe");
        Files.createDirectories(javaExe.getParent());
        Files.createFile(javaExe);
        Files.createFile(javaExe.resolveSibling("javaw.exe"));
        WindowsAutostart win = new WindowsAutostart(new ServiceEnvironment("Windows 11", home, Map.of(), javaExe,
                jar, config, commands));
        assertThat(win.taskCommand()).isEqualTo("\"" + javaExe.resolveSibling("javaw.exe")
                + "\" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xmn24m -jar \"" + jar + "\" run --config \"" + config + "\"");

        assertThat(win.execute(win.installPlan()).ok()).isTrue();
        assertThat(commands.commands).containsExactly(List.of("schtasks", "/Create", "/TN", "MinisStudioWorker",
                "/TR", win.taskCommand(), "/SC", "ONLOGON", "/RL", "LIMITED", "/F"));
    }

    @Test
    void windowsFallsBackToTheRunKeyWhenTheTaskIsRefused() throws Exception {
        commands = new RecordingCommands(c -> c.getFirst().equals("schtasks")
                ? new CommandRunner.Result(1, "ERROR: Access is denied.") : new CommandRunner.Result(0, ""));
        WindowsAutostart win = (WindowsAutostart) manager("Windows 10");
        assertThat(win.execute(win.installPlan()).ok()).isTrue();
        assertThat(commands.commands).hasSize(2);
        assertThat(commands.commands.get(1)).containsExactly("reg", "add",
                "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run", "/v", "MinisStudioWorker", "/t", "REG_SZ",
                "/d", win.taskCommand(), "/f");
        ServiceManager.Status status = win.status();
        assertThat(status.installed()).isTrue();
        assertThat(status.where()).endsWith("\\Run\\MinisStudioWorker");
    }

    @Test
    void windowsUninstallRemovesBothAndDryRunShowsTheFallback() throws Exception {
        WindowsAutostart win = (WindowsAutostart) manager("Windows 10");
        assertThat(win.describe(win.installPlan())).contains("would run: schtasks /Create /TN MinisStudioWorker /TR ")
                .contains("  or, if that fails: reg add ");
        win.execute(win.uninstallPlan());
        assertThat(commands.commands).containsExactly(
                List.of("schtasks", "/Delete", "/TN", "MinisStudioWorker", "/F"),
                List.of("reg", "delete", "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run", "/v",
                        "MinisStudioWorker", "/f"));
    }

    @Test
    void otherSystemsAreNotSupported() {
        assertThat(ServiceManager.forEnvironment(new ServiceEnvironment("FreeBSD", home, Map.of(), java, jar, config,
                commands))).isEmpty();
    }

    @Test
    void quoting() {
        assertThat(Quoting.posix("/a/b.jar")).isEqualTo("/a/b.jar");
        assertThat(Quoting.posix("/a b/it's.jar")).isEqualTo("'/a b/it'\\''s.jar'");
        assertThat(Quoting.windows("C:\\Program Files\\x.exe")).isEqualTo("\"C:\\Program Files\\x.exe\"");
        assertThat(Quoting.windows("C:\\x\\y.jar")).isEqualTo("C:\\x\\y.jar");
        assertThat(Quoting.systemd("/a b/c")).isEqualTo("\"/a b/c\"");
        assertThat(Quoting.xml("<a & 'b'>")).isEqualTo("&lt;a &amp; &apos;b&apos;&gt;");
    }
}
