package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.runner.Await;
import gg.minis.studio.worker.runner.CapabilitiesSource;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.daemon.Daemon;
import gg.minis.studio.worker.runner.session.SessionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A daemon on a temp config dir with its local API on an ephemeral port; optionally running against a studio. */
final class ApiFixture implements AutoCloseable {
    final Path dir;
    final ConfigStore store;
    final Engine engine;
    final Daemon daemon;
    final LocalApiServer server;
    final ApiClient api;
    private CompletableFuture<Worker.Exit> exit;

    ApiFixture(Path dir, Engine engine) throws Exception {
        this(dir, engine, c -> c);
    }

    /** Changes to the default config before the daemon starts. */
    interface ConfigEdit {
        WorkerConfig apply(WorkerConfig config) throws Exception;
    }

    ApiFixture(Path dir, Engine engine, ConfigEdit config) throws Exception {
        this(dir, engine, config, b -> b);
    }

    /** With changes to the daemon's builder (budgets, engine factory, free RAM...). */
    ApiFixture(Path dir, Engine engine, ConfigEdit config, java.util.function.UnaryOperator<Daemon.Builder> builder)
            throws Exception {
        this.dir = dir;
        this.engine = engine;
        this.store = new ConfigStore(dir.resolve("config.toml"));
        store.save(config.apply(store.loadOrCreate().withValue("local_api_port", "0")));
        this.daemon = builder.apply(Daemon.builder(store, engine)
                .capabilities(new CapabilitiesSource(engine, "test-host", "tester", 24.0, 12.0, false))
                .sessionSettings(SessionSettings.fast())
                .registrationPollInterval(Duration.ofMillis(50)))
                .build();
        this.server = LocalApiServer.start(daemon, LocalApiServer.Options.of(store.load(), store.file(),
                java.util.Map.of()));
        this.api = new ApiClient(server.url(), server.token());
    }

    /** {@code GET /daemon/status}. */
    JsonNode status() {
        try {
            return ApiClient.json(api.get("/daemon/status"));
        } catch (Exception e) {
            throw new AssertionError("GET /daemon/status failed", e);
        }
    }

    /** Waits until the daemon's studio session is welcomed; returns the status then. */
    JsonNode awaitWelcomed() throws InterruptedException {
        Await.until("the studio session to be welcomed", () -> status().path("session").path("welcomed").asBoolean());
        return status();
    }

    /** Runs the daemon (registration, studio session) on its own thread. */
    CompletableFuture<Worker.Exit> runDaemon() {
        exit = new CompletableFuture<>();
        Thread.ofPlatform().name("test-daemon").daemon(true).start(() -> {
            try {
                exit.complete(daemon.run());
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
        });
        return exit;
    }

    @Override
    public void close() throws Exception {
        daemon.shutdown();
        if (exit != null) {
            try {
                exit.get(15, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by the test that cared
            }
        }
        server.close();
    }
}
