package gg.minis.studio.worker.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.engines.media.WavEncoder;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate} and {@code transcribe} run an engine in-process with no studio. */
class OneShotCommandTest {
    @TempDir
    Path dir;

    private String config() {
        return dir.resolve("config.toml").toString();
    }

    @Test
    void generateWritesTheImageInTheFormatOfTheFileName() throws Exception {
        Path out = dir.resolve("art/fox.webp");
        CliRunner result = CliRunner.run("--config", config(), "generate", "--prompt", "a fox", "--width", "96",
                "--height", "64", "--steps", "3", "--out", out.toString());
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("wrote " + out).contains("webp");
        assertThat(result.out()).contains("generate: 100% 3/3");
        BufferedImage image = ImageIO.read(out.toFile());
        assertThat(image.getWidth()).isEqualTo(96);
        assertThat(image.getHeight()).isEqualTo(64);
    }

    @Test
    void generateRefusesAnOutputWithoutExtensionOrWithAnUnknownOne() {
        CliRunner noExt = CliRunner.run("--config", config(), "generate", "--prompt", "x", "--out",
                dir.resolve("image").toString());
        assertThat(noExt.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noExt.err()).contains("needs a file extension");
        CliRunner bmp = CliRunner.run("--config", config(), "generate", "--prompt", "x", "--out",
                dir.resolve("image.bmp").toString());
        assertThat(bmp.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(bmp.err().strip()).isEqualTo(
                "runner: generation failed: task.ext: unsupported image ext 'bmp' (expected png, webp or gif)");
        assertThat(Files.exists(dir.resolve("image.bmp"))).isFalse();
    }

    @Test
    void transcribePrintsTheTextOrTheWholeJson() throws Exception {
        Path wav = dir.resolve("hello.wav");
        Files.write(wav, WavEncoder.encodePcm16(new float[16_000], 16_000, 1));
        CliRunner text = CliRunner.run("--config", config(), "transcribe", wav.toString());
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out().strip()).isNotEmpty().doesNotStartWith("{");
        CliRunner json = CliRunner.run("--config", config(), "transcribe", "--json", "--words", wav.toString());
        assertThat(json.out()).contains("\"segments\"").contains("\"words\"");
    }

    @Test
    void transcribeOfAMissingFileNamesIt() {
        CliRunner result = CliRunner.run("--config", config(), "transcribe", dir.resolve("nope.wav").toString());
        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("nope.wav").contains("does not exist");
    }

    /** A build against installed upstream libraries bundles the real backends, which then cannot be missing. */
    private static void assumeNoBundledNativeBackends() {
        var platform = gg.minis.studio.worker.natives.Platform.current();
        for (String lib : new String[] {"sw_sdcpp", "sw_whisper"}) {
            String resource = platform.resourcePath(lib);
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    OneShotCommandTest.class.getClassLoader().getResource(resource) == null,
                    lib + " is bundled in this build (built with CMAKE_PREFIX_PATH), so it cannot be missing");
        }
    }

    @Test
    void aNativeEngineWhoseBackendIsMissingIsAConfigErrorSayingWhereItLooked() throws Exception {
        assumeNoBundledNativeBackends();
        Path empty = Files.createDirectories(dir.resolve("natives"));
        CliRunner.run("--config", config(), "config", "set", "engine", "sd-cpp");
        CliRunner.run("--config", config(), "config", "set", "native_dir", empty.toString());
        CliRunner result = CliRunner.run("--config", config(), "generate", "--prompt", "x", "--out",
                dir.resolve("x.png").toString());
        assertThat(result.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(result.err()).startsWith("runner: engine 'sd-cpp' needs the native backend sw_sdcpp")
                .contains(empty.toString()).doesNotContain("\tat ");
    }

    @Test
    void autoFallsBackToTheSyntheticEngineWithoutNativeBackends() throws Exception {
        assumeNoBundledNativeBackends();
        Path empty = Files.createDirectories(dir.resolve("natives"));
        CliRunner.run("--config", config(), "config", "set", "engine", "auto");
        CliRunner.run("--config", config(), "config", "set", "native_dir", empty.toString());
        Path out = dir.resolve("auto.png");
        CliRunner result = CliRunner.run("--config", config(), "generate", "--prompt", "x", "--width", "16",
                "--height", "16", "--out", out.toString());
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(ImageIO.read(out.toFile()).getWidth()).isEqualTo(16);
    }

    @Test
    void aMissingModelFileIsAUsageErrorNamingIt() {
        CliRunner result = CliRunner.run("--config", config(), "generate", "--prompt", "x", "--model-file",
                dir.resolve("none.safetensors").toString(), "--out", dir.resolve("x.png").toString());
        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err().strip()).isEqualTo("runner: --model-file " + dir.resolve("none.safetensors")
                + " does not exist or is not a file");
    }
}
