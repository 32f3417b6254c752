package gg.minis.studio.worker.runner.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cache list|verify|prune} on a dumb terminal against a real worker with a temp {@code models_root}. */
class ConsoleCacheTest {
    @TempDir
    Path dir;

    private ConsoleFixture fx;
    private Path root;

    @BeforeEach
    void start() throws Exception {
        fx = new ConsoleFixture(dir);
        root = dir.resolve("models");
        Files.createDirectories(root.resolve("image"));
        Files.write(root.resolve("image/keep.gguf"), new byte[2048]);
        Files.write(root.resolve("image/old.gguf"), new byte[3 * 1024 * 1024]);
        Files.write(root.resolve("image/gone.gguf.part"), new byte[100]);
        fx.api.post("/models", Map.of("id", "keeper", "displayName", "Keeper", "kind", "image",
                "vramGbEstimate", 1.0, "source", Map.of("engine", "synthetic", "files", List.of(Map.of(
                        "role", "diffusion-model", "url", "https://models.example/keep.gguf",
                        "filename", "keep.gguf")))));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    private String console(String... lines) throws Exception {
        return ConsoleSession.run(fx.api, Console.historyFile(fx.configFile), lines);
    }

    private static List<String> errorLines(String output) {
        return Arrays.stream(output.split("\\R")).filter(l -> l.startsWith("error:")).toList();
    }

    @Test
    void cacheListShowsFilesSizesAndState() throws Exception {
        String out = console("cache verify image/keep.gguf", "cache list", "models");
        assertThat(out).containsPattern("image +keep\\.gguf +2\\.0 KiB +no hash to compare with; sha256 [0-9a-f]{64}");
        assertThat(out).containsPattern("KIND +FILE +SIZE +STATE")
                .containsPattern("image +gone\\.gguf +0 B +partial download \\(100 B\\)")
                .containsPattern("image +keep\\.gguf +2\\.0 KiB +verified")
                .containsPattern("image +old\\.gguf +3\\.0 MiB +not verified")
                .contains("cache " + root.toAbsolutePath().normalize() + ": 3 files, ");
        assertThat(errorLines(out)).isEmpty();
    }

    @Test
    void cachePruneYesRemovesUnreferencedFiles() throws Exception {
        String out = console("cache prune --yes", "cache list");
        assertThat(out).contains("removed image/old.gguf (3.0 MiB)").contains("removed image/gone.gguf.part (100 B)")
                .contains("pruned 2 files, freed 3.0 MiB")
                .containsPattern("image +keep\\.gguf +2\\.0 KiB");
        assertThat(root.resolve("image/keep.gguf")).exists();
        assertThat(root.resolve("image/old.gguf")).doesNotExist();
        assertThat(errorLines(out)).isEmpty();
    }

    @Test
    void cachePruneAsksFirstAndNoKeepsEverything() throws Exception {
        String out = console("cache prune", "n");
        assertThat(out).contains("[y/N]").contains("prune cancelled; nothing deleted");
        assertThat(root.resolve("image/old.gguf")).exists();

        out = console("cache prune", "y");
        assertThat(out).contains("pruned 2 files");
        assertThat(root.resolve("image/old.gguf")).doesNotExist();
    }

    @Test
    void cacheErrorsAreOneLine() throws Exception {
        String out = console("cache verify image/nope.gguf", "cache verify nope", "cache frob");
        assertThat(errorLines(out)).containsExactly(
                "error: the model cache holds no file image/nope.gguf",
                "error: usage: cache verify KIND/FILE (e.g. image/model.gguf), got 'nope'",
                "error: unknown cache command 'frob'; usage: cache list | cache verify [KIND/FILE] | cache prune"
                        + " [--yes]");
    }
}
