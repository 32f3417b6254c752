package gg.minis.studio.worker.runner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigStoreTest {
    @TempDir
    Path tmp;

    private static final String TOKEN = WorkerConfigTest.TOKEN;
    private static final String SECRET = WorkerConfigTest.SECRET;

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void missingFileIsCreatedWithDefaults() throws Exception {
        Path file = tmp.resolve("cfg/minis-studio-worker/config.toml");
        ConfigStore store = new ConfigStore(file);

        WorkerConfig created = store.loadOrCreate();

        assertThat(created).isEqualTo(WorkerConfig.defaults());
        assertThat(file).exists();
        assertThat(new ConfigStore(file).load()).isEqualTo(created);
        assertThat(store.loadOrCreate()).isEqualTo(created);
        String text = Files.readString(file);
        assertThat(text).contains("api_base_url = ", "vram_threshold_gb = 12.0", "auto_start = false",
                "auto_update_enabled = true", "auto_update_interval_secs = 1800", "auto_update_feed = ",
                "auto_update_prerelease = false", "models_root = ", "ws_reconnect_attempts = 5",
                "local_api_port = 4787", "engine = ", "max_frame_bytes = 1048576", "job_timeout_secs_image = 600",
                "job_timeout_secs_audio_stt = 1800", "job_timeout_secs_video = 3600", "webp_quality = 90");
        // Unset optional keys are left out rather than written as empty strings.
        assertThat(text).doesNotContain("native_dir", "worker_id", "auth_token", "install_id", "registration");
        assertThat(store.warnings()).isEmpty();
    }

    @Test
    void keysAreWrittenInStableOrderWithInternalKeysLast() throws Exception {
        Path file = tmp.resolve("config.toml");
        new ConfigStore(file).save(WorkerConfigTest.everythingSet());
        List<String> keys = Files.readAllLines(file).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.substring(0, l.indexOf(" =")))
                .toList();
        assertThat(keys).containsExactlyElementsOf(WorkerConfig.keys());
    }

    @Test
    void everyValueRoundTripsThroughTheFile() throws Exception {
        Path file = tmp.resolve("config.toml");
        WorkerConfig all = WorkerConfigTest.everythingSet();
        new ConfigStore(file).save(all);
        assertThat(new ConfigStore(file).load()).isEqualTo(all);
    }

    @Test
    void fileAndCreatedDirectoriesAreOwnerOnly() throws Exception {
        assumeTrue(posix(tmp), "POSIX permissions");
        Path file = tmp.resolve("a/b/config.toml");
        ConfigStore store = new ConfigStore(file);

        store.loadOrCreate();
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(tmp.resolve("a"))).isEqualTo("rwx------");
        assertThat(mode(tmp.resolve("a/b"))).isEqualTo("rwx------");

        store.save(WorkerConfig.defaults().withAuthToken(TOKEN));
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(tmp.resolve("a/b/config.toml.lock"))).isEqualTo("rw-------");
    }

    @Test
    void aFileOthersCanReadIsWarnedAboutAndFixedOnSave() throws Exception {
        assumeTrue(posix(tmp), "POSIX permissions");
        Path file = tmp.resolve("config.toml");
        Files.writeString(file, "auth_token = \"" + TOKEN + "\"\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        ConfigStore store = new ConfigStore(file);

        WorkerConfig c = store.load();
        assertThat(store.warnings()).singleElement().asString().contains("other users").doesNotContain(TOKEN);

        store.save(c);
        assertThat(mode(file)).isEqualTo("rw-------");
        store.load();
        assertThat(store.warnings()).isEmpty();
    }

    @Test
    void failedWriteLeavesOldFileAndNoTempFiles() throws Exception {
        Path file = tmp.resolve("config.toml");
        new ConfigStore(file).save(WorkerConfig.defaults());
        String before = Files.readString(file);
        List<Path> temps = new ArrayList<>();
        ConfigStore failing = new ConfigStore(file, temp -> {
            temps.add(temp);
            assertThat(Files.readString(temp)).contains("worker_id = 'w-2'"); // fully written before the move
            if (posix(temp)) {
                assertThat(mode(temp)).isEqualTo("rw-------");
            }
            throw new IOException("disk on fire");
        });

        ConfigException e = assertThrows(ConfigException.class,
                () -> failing.save(WorkerConfig.defaults().withWorkerId("w-2").withAuthToken(TOKEN)));

        assertThat(e.getMessage()).startsWith(file + ": cannot write: disk on fire").doesNotContain(TOKEN);
        assertThat(temps).hasSize(1);
        assertThat(temps.getFirst()).doesNotExist();
        assertThat(Files.readString(file)).isEqualTo(before);
        assertThat(names(tmp)).containsExactly("config.toml", "config.toml.lock");
    }

    @Test
    void failedUpdateLeavesOldFile() throws Exception {
        Path file = tmp.resolve("config.toml");
        ConfigStore ok = new ConfigStore(file);
        ok.save(WorkerConfig.defaults().withWorkerId("w-1"));
        ConfigStore failing = new ConfigStore(file, temp -> {
            throw new IOException("no space left on device");
        });
        assertThrows(ConfigException.class, () -> failing.update(c -> c.withWorkerId("w-2")));
        assertThat(ok.load().workerId()).isEqualTo("w-1");
        assertThat(names(tmp)).containsExactly("config.toml", "config.toml.lock");
    }

    @Test
    void readOnlyDirectoryFailsCleanly() throws Exception {
        assumeTrue(posix(tmp), "POSIX permissions");
        Path dir = tmp.resolve("ro");
        Path file = dir.resolve("config.toml");
        ConfigStore store = new ConfigStore(file);
        store.save(WorkerConfig.defaults());
        String before = Files.readString(file);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        try {
            boolean effective;
            try {
                Files.delete(Files.createFile(dir.resolve("probe")));
                effective = false; // e.g. running as root, which ignores the mode
            } catch (IOException expected) {
                effective = true;
            }
            assumeTrue(effective, "directory permissions are not enforced for this user");
            ConfigException e = assertThrows(ConfigException.class,
                    () -> store.save(WorkerConfig.defaults().withWorkerId("w-9")));
            assertThat(e.getMessage()).startsWith(file + ": cannot write: ");
            assertThat(Files.readString(file)).isEqualTo(before);
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            api_base_url = "not a url"                  | api_base_url: expected an absolute http, https, ws or wss URL with a host, got "not a url"
            api_base_url = "ftp://files.example.com/"   | api_base_url: expected an absolute http, https, ws or wss URL with a host, got "ftp://files.example.com/"
            api_base_url = 8080                         | api_base_url: expected an absolute http, https, ws or wss URL with a host, got 8080
            vram_threshold_gb = -0.5                    | vram_threshold_gb: expected a number >= 0, got -0.5
            vram_threshold_gb = "abc"                   | vram_threshold_gb: expected a number >= 0, got "abc"
            vram_threshold_gb = nan                     | vram_threshold_gb: expected a number >= 0, got
            vram_threshold_gb = inf                     | vram_threshold_gb: expected a number >= 0, got
            auto_update_interval_secs = 10              | auto_update_interval_secs: expected an integer >= 60, got 10
            auto_update_interval_secs = "1800"          | auto_update_interval_secs: expected an integer >= 60, got "1800"
            ws_reconnect_attempts = -3                  | ws_reconnect_attempts: expected an integer >= 0, got -3
            ws_reconnect_attempts = 2.5                 | ws_reconnect_attempts: expected an integer >= 0, got 2.5
            local_api_port = 70000                      | local_api_port: expected an integer from 0 to 65535, got 70000
            local_api_port = 99999999999999999999       | local_api_port: expected an integer from 0 to 65535, got 99999999999999999999
            max_frame_bytes = 512                       | max_frame_bytes: expected an integer >= 1024, got 512
            auto_start = "yes"                          | auto_start: expected true or false, got "yes"
            auto_update_enabled = 1                     | auto_update_enabled: expected true or false, got 1
            engine = "cuda"                             | engine: expected one of synthetic, sd-cpp, whisper-cpp, auto, got "cuda"
            models_root = ""                            | models_root: expected a non-empty path, got ""
            models_root = ["a", "b"]                    | models_root: expected a non-empty path, got ["a","b"]
            native_dir = true                           | native_dir: expected a path, got true
            install_id = "not-a-uuid"                   | install_id: expected a UUID, got "not-a-uuid"
            auto_update_feed = "file:///etc/passwd"     | auto_update_feed: expected an absolute http or https URL with a host, got "file:///etc/passwd"
            """)
    void invalidValuesInTheFileNameFileKeyAndValue(String line, String expected) throws Exception {
        Path file = tmp.resolve("config.toml");
        Files.writeString(file, "# hand edited\nworker_id = \"w-1\"\n" + line + "\n");
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigStore(file).load());
        assertThat(e.file()).isEqualTo(file);
        assertThat(e.key()).isEqualTo(line.substring(0, line.indexOf(' ')));
        assertThat(e.getMessage()).startsWith(file + ": " + expected);
    }

    @Test
    void invalidSecretsInTheFileAreNotEchoed() throws Exception {
        Path file = tmp.resolve("config.toml");
        String badSecret = SECRET.toUpperCase();
        Files.writeString(file, "registration_secret = \"" + badSecret + "\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigStore(file).load());
        assertThat(e.getMessage())
                .isEqualTo(file + ": registration_secret: expected 64 lowercase hex characters, got <redacted>");

        Files.writeString(file, "auth_token = 123456789\n");
        e = assertThrows(ConfigException.class, () -> new ConfigStore(file).load());
        assertThat(e.getMessage()).isEqualTo(file + ": auth_token: expected a token, got <redacted>")
                .doesNotContain("123456789");
    }

    @Test
    void invalidTomlNamesFileAndLineButNoContent() throws Exception {
        Path file = tmp.resolve("config.toml");
        Files.writeString(file, "api_base_url = \"https://studio.minis.gg/\"\nvram_threshold_gb = 12.0\n"
                + "auth_token = \"" + TOKEN + "\n");
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigStore(file).load());
        assertThat(e.getMessage()).startsWith(file + ": not valid TOML (line 3: ").endsWith(")")
                .doesNotContain(TOKEN).doesNotContain("\n");
        assertThat(e.key()).isNull();

        Files.writeString(file, "engine = \"auto\"\nengine = \"synthetic\"\n");
        e = assertThrows(ConfigException.class, () -> new ConfigStore(file).load());
        assertThat(e.getMessage()).startsWith(file + ": not valid TOML (line ");

        Files.writeString(file, "auth_token = " + TOKEN + "\n");
        e = assertThrows(ConfigException.class, () -> new ConfigStore(file).load());
        assertThat(e.getMessage()).startsWith(file + ": not valid TOML (line 1").doesNotContain(TOKEN);
    }

    @Test
    void notUtf8IsAConfigError() throws Exception {
        Path file = tmp.resolve("config.toml");
        Files.write(file, new byte[] {'e', ' ', '=', ' ', '"', (byte) 0xff, (byte) 0xfe, '"'});
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigStore(file).load());
        assertThat(e.getMessage()).startsWith(file + ": not valid TOML");
    }

    @Test
    void missingFileIsAnErrorForLoad() {
        Path file = tmp.resolve("nope/config.toml");
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigStore(file).load());
        assertThat(e.getMessage()).startsWith(file + ": cannot read: no such file");
    }

    @Test
    void unknownKeysAreKeptGoingWithAWarningNamingTheKey() throws Exception {
        Path file = tmp.resolve("config.toml");
        Files.writeString(file, """
                engine = "auto"
                future_key = "some-value-xyz"

                [future_table]
                nested = 1
                """);
        ConfigStore store = new ConfigStore(file);
        WorkerConfig c = store.load();
        assertThat(c).isEqualTo(WorkerConfig.defaults().withValue("engine", "auto"));
        List<String> unknown = store.warnings().stream().filter(w -> w.contains("unknown key")).toList();
        assertThat(unknown).hasSize(2);
        assertThat(unknown.get(0)).isEqualTo(file + ": unknown key \"future_key\" ignored");
        assertThat(unknown.get(1)).contains("\"future_table\"");
        assertThat(String.join("\n", store.warnings())).doesNotContain("some-value-xyz");
    }

    @Test
    void keysLeftOutTakeDefaultsAndEmptyFileIsAllDefaults() throws Exception {
        Path file = tmp.resolve("config.toml");
        Files.writeString(file, "local_api_port = 0\nvram_threshold_gb = 8\nnative_dir = \"\"\n");
        WorkerConfig c = new ConfigStore(file).load();
        assertThat(c).isEqualTo(WorkerConfig.defaults().withValue("local_api_port", "0")
                .withValue("vram_threshold_gb", "8"));
        Files.writeString(file, "");
        assertThat(new ConfigStore(file).load()).isEqualTo(WorkerConfig.defaults());
    }

    @Test
    void secretsNeverAppearInMessagesWarningsOrToString() throws Exception {
        Path file = tmp.resolve("config.toml");
        ConfigStore store = new ConfigStore(file);
        WorkerConfig registered = store.update(c -> c.withAuthToken(TOKEN).withRegistrationSecret(SECRET));
        assertThat(Files.readString(file)).contains(TOKEN, SECRET); // stored, of course
        assertThat(registered.toString()).doesNotContain(TOKEN, SECRET);
        // A later invalid value elsewhere in the same file must not drag the secrets into the message.
        Files.writeString(file, Files.readString(file) + "bogus = 1\n");
        Files.writeString(file, Files.readString(file).replace("local_api_port = 4787", "local_api_port = -1"));
        ConfigException e = assertThrows(ConfigException.class, store::load);
        assertThat(e.getMessage()).doesNotContain(TOKEN, SECRET).contains("local_api_port");
    }

    @Test
    void updateAndSetAreReadModifyWrite() throws Exception {
        Path file = tmp.resolve("d/config.toml");
        ConfigStore store = new ConfigStore(file);
        WorkerConfig after = store.update(c -> c.withWorkerId("w-7"));
        assertThat(after.workerId()).isEqualTo("w-7");
        assertThat(store.load()).isEqualTo(after);

        assertThat(store.set("engine", "sd-cpp").engine()).isEqualTo("sd-cpp");
        assertThat(store.load().workerId()).isEqualTo("w-7");
        ConfigException e = assertThrows(ConfigException.class, () -> store.set("local_api_port", "x"));
        assertThat(e.getMessage()).isEqualTo(file + ": local_api_port: expected an integer from 0 to 65535, got \"x\"");
        assertThat(store.load().engine()).isEqualTo("sd-cpp");
    }

    @Test
    void concurrentUpdatesFromTwoStoresLoseNothing() throws Exception {
        Path file = tmp.resolve("config.toml");
        ConfigStore a = new ConfigStore(file);
        ConfigStore b = new ConfigStore(file);
        a.loadOrCreate();
        UnaryOperator<WorkerConfig> increment = c -> {
            try {
                return c.withValue("ws_reconnect_attempts", Integer.toString(c.wsReconnectAttempts() + 1));
            } catch (ConfigException e) {
                throw new IllegalStateException(e);
            }
        };
        int threads = 4;
        int perThread = 15;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ConfigStore store = t % 2 == 0 ? a : b;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        store.update(increment);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(a.load().wsReconnectAttempts()).isEqualTo(5 + threads * perThread);
        assertThat(names(tmp)).containsExactly("config.toml", "config.toml.lock");
    }

    @Test
    void renderedTextHasCommentsAndParsesBack() throws Exception {
        WorkerConfig all = WorkerConfigTest.everythingSet();
        String text = ConfigStore.render(all);
        assertThat(text).startsWith("# ").contains("\n# Written by the worker");
        assertThat(ConfigStore.parse(text, null, new ArrayList<>())).isEqualTo(all);
        assertThat(ConfigStore.render(WorkerConfig.defaults())).doesNotContain("Written by the worker");
    }
}
