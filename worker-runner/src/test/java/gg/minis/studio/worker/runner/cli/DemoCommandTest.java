package gg.minis.studio.worker.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.protocol.WireJson;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the demo runs the whole protocol locally and writes real, decodable files. */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void demoWritesDecodableImagesAudioAndJsonForEveryJob() throws Exception {
        Path out = dir.resolve("out");
        CliRunner result = CliRunner.run("--config", dir.resolve("cfg/config.toml").toString(), "demo",
                "--jobs", "18", "--out", out.toString());

        assertThat(result.exitCode()).as("out:%n%s%nerr:%n%s", result.out(), result.err()).isZero();
        assertThat(result.out()).contains("done: 18 jobs, 18 completed, 0 failed, 0 rejected");
        List<Path> files;
        try (Stream<Path> s = Files.list(out)) {
            files = s.sorted().toList();
        }
        assertThat(files).hasSize(18);
        int images = 0;
        int json = 0;
        int wav = 0;
        for (Path file : files) {
            String name = file.getFileName().toString();
            String ext = name.substring(name.lastIndexOf('.') + 1);
            switch (ext) {
                case "png", "webp", "gif" -> {
                    BufferedImage image = ImageIO.read(file.toFile());
                    assertThat(image).as("%s decodes", name).isNotNull();
                    assertThat(image.getWidth()).isPositive();
                    images++;
                }
                case "json" -> {
                    JsonNode node = WireJson.mapper().readTree(file.toFile());
                    assertThat(node.has("choices") || node.has("segments")).as(name).isTrue();
                    json++;
                }
                case "wav" -> {
                    try (AudioInputStream in = AudioSystem.getAudioInputStream(new File(file.toString()))) {
                        assertThat(in.getFrameLength()).isPositive();
                    }
                    wav++;
                }
                default -> throw new AssertionError("unexpected result file " + name);
            }
        }
        assertThat(images).isEqualTo(10);
        assertThat(json).isEqualTo(6);
        assertThat(wav).isEqualTo(2);
        // The 512x512 webp of the first job has the requested size.
        BufferedImage first = ImageIO.read(out.resolve("demo-001.webp").toFile());
        assertThat(first.getWidth()).isEqualTo(512);
        assertThat(first.getHeight()).isEqualTo(512);
    }

    @Test
    void badJobCountIsAUsageError() {
        CliRunner result = CliRunner.run("--config", dir.resolve("config.toml").toString(), "demo", "--jobs", "0");
        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err().strip()).isEqualTo("runner: --jobs must be 1..100000, got 0");
    }
}
