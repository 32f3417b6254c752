package gg.minis.studio.worker.runner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Runs the store through creation, saves, warnings and errors with secrets set, capturing the console and the
 * trace-level test log file the logging backend (tinylog, see tinylog-test.properties) writes, and checks that no
 * secret value reaches either.
 */
@Isolated // swaps System.out/err
class ConfigLoggingTest {
    @TempDir
    Path tmp;

    @Test
    void secretsNeverReachTheLog() throws Exception {
        String token = WorkerConfigTest.TOKEN;
        String secret = WorkerConfigTest.SECRET;
        Path logFile = Path.of("target/test-logs/all.log");
        long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        Path file = tmp.resolve("dir/config.toml");
        try {
            ConfigStore store = new ConfigStore(file);
            store.loadOrCreate();
            store.update(c -> c.withAuthToken(token).withRegistrationSecret(secret));
            Files.writeString(file, Files.readString(file) + "future_key = \"" + token + "\"\n");
            store.load();
            Files.writeString(file, "registration_secret = \"" + secret.toUpperCase() + "\"\n");
            assertThrows(ConfigException.class, store::load);
            Files.writeString(file, "auth_token = \"" + token + "\n");
            assertThrows(ConfigException.class, store::load);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8) + readFrom(logFile, logStart);
        assumeTrue(log.contains("Saved config to " + file), "the logging backend writes neither to the console nor to "
                + logFile.toAbsolutePath());
        assertThat(log).doesNotContain(token).doesNotContain(secret).doesNotContainIgnoringCase(secret);
    }

    private static String readFrom(Path file, long offset) throws java.io.IOException {
        if (!Files.exists(file)) {
            return "";
        }
        byte[] all = Files.readAllBytes(file);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                StandardCharsets.UTF_8);
    }
}
