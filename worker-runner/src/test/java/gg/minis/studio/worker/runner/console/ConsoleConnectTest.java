package gg.minis.studio.worker.runner.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.engines.testing.RefusedPort;
import gg.minis.studio.worker.runner.CapabilitiesSource;
import gg.minis.studio.worker.runner.cli.ExitCodes;
import gg.minis.studio.worker.runner.cli.RunnerMain;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.daemon.Daemon;
import gg.minis.studio.worker.runner.localapi.DiscoveryFile;
import gg.minis.studio.worker.runner.localapi.LocalApiServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner console} before the REPL: finding the worker, and refusing what it must not talk to. */
class ConsoleConnectTest {
    @TempDir
    Path dir;

    private record Result(int exitCode, String out, String err) {}

    private static Result console(Path config) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RunnerMain.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute("--config", config.toString(), "console");
        return new Result(code, out.toString(), err.toString());
    }

    private Path discovery(String url, String token) throws Exception {
        Path file = dir.resolve(DiscoveryFile.FILE_NAME);
        Files.writeString(file, "{\"url\": \"" + url + "\", \"token\": \"" + token + "\", \"pid\": 1, \"version\": "
                + "\"0.0.0\"}");
        return file;
    }

    @Test
    void noDiscoveryFileMeansNoWorker() {
        Path config = dir.resolve("config.toml");
        Result r = console(config);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err()).isEqualTo("runner: no worker is running for " + config.toAbsolutePath()
                + " (no local-api.json); start one with 'runner run'" + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aStaleDiscoveryFileMeansNoWorker() throws Exception {
        try (RefusedPort gone = new RefusedPort()) {
            discovery(gone.url("/"), "a".repeat(64));
            Path config = dir.resolve("config.toml");
            Result r = console(config);
            assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
            assertThat(r.err()).isEqualTo("runner: no worker is running for " + config.toAbsolutePath()
                    + " (nothing answers at " + gone.url("/") + ", the URL in local-api.json); start one with "
                    + "'runner run'" + System.lineSeparator());
        }
    }

    @Test
    void aWrongTokenIsRefused() throws Exception {
        Path workerDir = dir.resolve("worker");
        ConfigStore store = new ConfigStore(workerDir.resolve("config.toml"));
        store.save(store.loadOrCreate().withValue("local_api_port", "0"));
        try (Engine engine = SyntheticEngine.create()) {
            Daemon daemon = Daemon.builder(store, engine)
                    .capabilities(new CapabilitiesSource(engine, "test-host", "tester", 0, 12.0, false)).build();
            try (LocalApiServer server = LocalApiServer.start(daemon, LocalApiServer.Options.of(store.load(),
                    store.file(), Map.of()))) {
                Path file = discovery(server.url().toString(), "0".repeat(64));
                Result r = console(dir.resolve("config.toml"));
                assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
                assertThat(r.err()).isEqualTo("runner: refused: the worker at " + server.url() + " does not accept "
                        + "the token in " + file + " (401); the file may be another worker's, or stale: restart the "
                        + "worker" + System.lineSeparator());

                // The right token from the worker's own file gets through.
                try (LocalApiClient ok = LocalApiClient.connect(store.file())) {
                    assertThat(ok.get("/daemon/status").path("engine").asText()).isEqualTo("synthetic");
                }
            }
        }
    }

    @Test
    void aNonLoopbackUrlIsRefusedWithoutConnecting() throws Exception {
        // Were a connection tried, the answer would be "nothing answers at ..." (the name cannot resolve).
        Path file = discovery("http://studio-worker.invalid:4787/", "a".repeat(64));
        Result r = console(dir.resolve("config.toml"));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err()).isEqualTo("runner: refusing to connect: " + file + " names "
                + "http://studio-worker.invalid:4787/, which is not a loopback http URL (127.0.0.1, [::1] or "
                + "localhost); the console sends the worker's token nowhere else" + System.lineSeparator());
    }

    @Test
    void onlyLoopbackHttpUrlsPass() throws Exception {
        Path f = dir.resolve(DiscoveryFile.FILE_NAME);
        for (String ok : new String[] {"http://127.0.0.1:4787/", "http://127.1.2.3:1/", "http://[::1]:4787/",
                "http://localhost:4787", "https://LOCALHOST:4787/"}) {
            assertThat(LocalApiClient.loopbackUrl(f, ok).getPath()).as(ok).isEqualTo("/");
        }
        for (String bad : new String[] {"http://10.0.0.1:4787/", "http://127.0.0.1.nip.io:4787/",
                "http://user@127.0.0.1:4787/", "ftp://127.0.0.1/", "file:///tmp/x", "http://[::ffff:10.0.0.1]/",
                "http://0.0.0.0:4787/", "http://localhost.evil.example/"}) {
            assertThatThrownBy(() -> LocalApiClient.loopbackUrl(f, bad)).as(bad)
                    .isInstanceOf(ConsoleException.class).hasMessageContaining("not a loopback");
        }
        assertThatThrownBy(() -> LocalApiClient.loopbackUrl(f, "127.0.0.1:4787 x"))
                .hasMessage(f + ": url \"127.0.0.1:4787 x\" is not a URL");
    }
}
