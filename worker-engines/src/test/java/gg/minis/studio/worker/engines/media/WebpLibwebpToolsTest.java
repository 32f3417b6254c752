package gg.minis.studio.worker.engines.media;

import static gg.minis.studio.worker.engines.media.TestImages.assertSamePixels;
import static gg.minis.studio.worker.engines.media.TestImages.gradient;
import static gg.minis.studio.worker.engines.media.TestImages.noise;
import static gg.minis.studio.worker.engines.media.TestImages.solid;
import static gg.minis.studio.worker.engines.media.TestImages.translucent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-checks against libwebp's own command-line tools (Debian package {@code webp}), the reference decoder.
 * Skipped, with the reason, where they are not installed.
 */
class WebpLibwebpToolsTest {
    @TempDir
    Path dir;

    @Test
    void dwebpDecodesStillImagesToTheSamePixels() throws Exception {
        Path dwebp = tool("dwebp");
        Path webpinfo = tool("webpinfo");
        List<BufferedImage> images = List.of(noise(64, 40, false, 1), noise(17, 33, true, 2), gradient(512, 512),
                solid(1, 1, 0xff000000), solid(30, 20, 0x7f102030), translucent(120, 80, 3), gradient(1, 257));
        for (int i = 0; i < images.size(); i++) {
            BufferedImage image = images.get(i);
            Path webp = dir.resolve("still" + i + ".webp");
            Path png = dir.resolve("still" + i + ".png");
            Files.write(webp, WebpEncoder.encode(image));

            String info = run(webpinfo.toString(), webp.toString());
            assertThat(info).as("webpinfo on image %d", i).contains("No error detected");
            run(dwebp.toString(), webp.toString(), "-o", png.toString());
            assertSamePixels(ImageIO.read(png.toFile()), image);
        }
    }

    @Test
    void libwebpAcceptsAnimationsFrameByFrame() throws Exception {
        Path webpinfo = tool("webpinfo");
        Path webpmux = tool("webpmux");
        Path dwebp = tool("dwebp");
        List<BufferedImage> frames = List.of(gradient(40, 30), noise(40, 30, true, 4), solid(40, 30, 0x80ffffff));
        Path anim = dir.resolve("anim.webp");
        Files.write(anim, WebpEncoder.encodeAnimation(frames, 120));

        String info = run(webpinfo.toString(), anim.toString());
        assertThat(info).contains("No error detected").contains("Animation: 1");
        for (int i = 0; i < frames.size(); i++) {
            Path frame = dir.resolve("frame" + i + ".webp");
            Path png = dir.resolve("frame" + i + ".png");
            // webpmux numbers frames from 1.
            run(webpmux.toString(), "-get", "frame", Integer.toString(i + 1), anim.toString(), "-o", frame.toString());
            run(dwebp.toString(), frame.toString(), "-o", png.toString());
            assertSamePixels(ImageIO.read(png.toFile()), frames.get(i));
        }
    }

    static Path tool(String name) {
        Optional<Path> found = findOnPath(name);
        assumeTrue(found.isPresent(), () -> "'" + name + "' is not on PATH; install libwebp's tools "
                + "(Debian/Ubuntu: apt-get install webp) to cross-check the encoder against the reference decoder");
        return found.get();
    }

    private static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(entry, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private String run(String... command) throws IOException, InterruptedException {
        return run(dir, command);
    }

    /** Runs a command, asserts it exits 0 within a minute, and returns its combined output (kept in {@code dir}). */
    static String run(Path dir, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "tool", ".log");
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command)))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(done).as("%s finished in time", command[0]).isTrue();
        assertThat(p.exitValue()).as("exit status of %s; output:%n%s", String.join(" ", command), output).isZero();
        return output;
    }
}
