package gg.minis.studio.worker.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: one-line errors, documented exit codes, no stack traces. */
class CliTest {
    @TempDir
    Path dir;

    private String config() {
        return dir.resolve("config.toml").toString();
    }

    @Test
    void unknownOptionIsOneLineWithExitCode2() {
        CliRunner result = CliRunner.run("--config", config(), "run", "--bogus");
        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).startsWith("runner: Unknown option: '--bogus'").doesNotContain("at gg.");
    }

    @Test
    void unknownCommandSuggestsTheNearestOne() {
        CliRunner result = CliRunner.run("--config", config(), "stauts");
        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("stauts").contains("did you mean").contains("status");
    }

    @Test
    void configPathGetSetRoundTrip() {
        assertThat(CliRunner.run("--config", config(), "config", "path").out().strip()).isEqualTo(config());
        CliRunner set = CliRunner.run("--config", config(), "config", "set", "vram_threshold_gb", "20.5");
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out().strip()).isEqualTo("vram_threshold_gb = 20.5");
        assertThat(CliRunner.run("--config", config(), "config", "get", "vram_threshold_gb").out().strip())
                .isEqualTo("20.5");
        assertThat(Files.exists(Path.of(config()))).isTrue();
    }

    @Test
    void invalidConfigValueNamesKeyAndValueWithExitCode3() {
        CliRunner result = CliRunner.run("--config", config(), "config", "set", "vram_threshold_gb", "lots");
        assertThat(result.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(result.err().strip()).startsWith("runner: " + config() + ": vram_threshold_gb: ").contains("lots")
                .doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void unknownConfigKeyListsTheKnownOnes() {
        CliRunner result = CliRunner.run("--config", config(), "config", "get", "vram");
        assertThat(result.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(result.err()).contains("vram").contains("vram_threshold_gb");
    }

    @Test
    void unparsableTomlIsAConfigErrorNamingTheFile() throws Exception {
        Files.writeString(Path.of(config()), "api_base_url = \"https://x.example/\nvram = [");
        CliRunner result = CliRunner.run("--config", config(), "status");
        assertThat(result.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(result.err()).contains(config()).contains("not valid TOML").doesNotContain("\tat ");
    }

    @Test
    void badBaseUrlIsRejectedNamingTheValue() {
        CliRunner result = CliRunner.run("--config", config(), "config", "set", "api_base_url", "ftp://studio");
        assertThat(result.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(result.err()).contains("api_base_url").contains("ftp://studio");
    }

    @Test
    void secretsAreNeverPrintedUnlessRevealed() {
        String secret = "a".repeat(64);
        CliRunner.run("--config", config(), "config", "set", "registration_secret", secret);
        CliRunner list = CliRunner.run("--config", config(), "config", "list");
        assertThat(list.out()).contains("registration_secret = <set>").doesNotContain(secret);
        assertThat(CliRunner.run("--config", config(), "config", "get", "registration_secret", "--reveal").out().strip())
                .isEqualTo(secret);
    }

    @Test
    void statusOnAFreshInstallSaysNotRegistered() {
        CliRunner result = CliRunner.run("--config", config(), "status");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("registration: not registered").contains("undelivered:  0 results")
                .contains("studio:       https://studio.minis.gg/graphics/api");
    }

    @Test
    void registerResetSaysWhatItCleared() {
        CliRunner.run("--config", config(), "config", "set", "worker_id", "w-9");
        CliRunner.run("--config", config(), "config", "set", "auth_token", "token-xyz-123");
        CliRunner result = CliRunner.run("--config", config(), "register", "--reset");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("cleared worker_id (w-9), auth_token").doesNotContain("token-xyz-123");
        assertThat(CliRunner.run("--config", config(), "config", "get", "worker_id").out().strip()).isEmpty();
        assertThat(CliRunner.run("--config", config(), "register", "--reset").out())
                .contains("nothing to clear");
    }

    @Test
    void versionAndHelpWork() {
        assertThat(CliRunner.run("version").out()).startsWith("studio-worker-java ");
        CliRunner help = CliRunner.run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("run", "register", "status", "config", "demo", "Exit codes:");
        assertThat(CliRunner.run("run", "--help").out()).contains("--paused");
    }
}
