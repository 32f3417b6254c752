package gg.minis.studio.worker.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.console.LocalApiClient;
import gg.minis.studio.worker.runner.console.PipedTerminal;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner run --console}: the worker and the console in one process, on a dumb terminal over pipes. */
class RunConsoleTest {
    @TempDir
    Path dir;

    private ConsoleCommand.TerminalFactory original;
    private PipedTerminal terminal;
    private LocalStudio studio;
    private Path config;

    @BeforeEach
    void setUp() throws Exception {
        original = ConsoleCommand.terminals;
        terminal = new PipedTerminal();
        ConsoleCommand.terminals = terminal::terminal;
        studio = LocalStudio.start();
        config = dir.resolve("config.toml");
        ConfigStore store = new ConfigStore(config);
        store.save(store.loadOrCreate().withValue("api_base_url", studio.baseUrl().toString())
                .withValue("local_api_port", "0"));
    }

    @AfterEach
    void tearDown() throws Exception {
        ConsoleCommand.terminals = original;
        terminal.close();
        studio.close();
    }

    private CompletableFuture<CliRunner> runWithConsole() throws InterruptedException {
        CompletableFuture<CliRunner> run = CompletableFuture.supplyAsync(
                () -> CliRunner.run("--config", config.toString(), "run", "--console"));
        terminal.awaitScreen("connected to the worker at http://127.0.0.1:");
        return run;
    }

    @Test
    void quittingTheConsoleStopsTheWorkerGracefully() throws Exception {
        CompletableFuture<CliRunner> run = runWithConsole();
        terminal.type("status\n");
        terminal.awaitScreen("registration  ");
        terminal.type("help\n");
        terminal.awaitScreen("quit / exit             leave the console and stop the worker");
        terminal.type("quit\n");
        CliRunner result = run.get(20, TimeUnit.SECONDS);
        assertThat(result.exitCode()).as(result.err() + terminal.screen()).isZero();
        assertThat(terminal.screen()).contains("stopping the worker (a running job finishes first)...")
                .doesNotContain("error:").doesNotContain("Exception");
    }

    @Test
    void aWorkerThatStopsEndsTheConsole() throws Exception {
        CompletableFuture<CliRunner> run = runWithConsole();
        // Another local client (a script, a second console) shuts the worker down through the API.
        try (LocalApiClient other = LocalApiClient.connect(config)) {
            other.post("/daemon/shutdown");
        }
        CliRunner result = run.get(20, TimeUnit.SECONDS);
        assertThat(result.exitCode()).as(result.err() + terminal.screen()).isZero();
        assertThat(terminal.screen()).contains("the worker stopped (STOPPED)");
    }
}
