package gg.minis.studio.worker.runner.console;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.Await;
import gg.minis.studio.worker.runner.CapabilitiesSource;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.daemon.Daemon;
import gg.minis.studio.worker.runner.localapi.LocalApiServer;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.localstudio.SampleJobs;
import gg.minis.studio.worker.runner.session.SessionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real worker for the console to look at: a Daemon (synthetic engine) registered with and welcomed by a
 * LocalStudio, one finished studio job in its history, and its local API on an ephemeral loopback port.
 */
final class ConsoleFixture implements AutoCloseable {
    static final String STUDIO_JOB = "studio-1";

    final LocalStudio studio;
    final Path configFile;
    final ConfigStore store;
    final Engine engine;
    final Daemon daemon;
    final LocalApiServer server;
    final LocalApiClient api;
    private final Thread worker;

    ConsoleFixture(Path dir) throws Exception {
        studio = LocalStudio.start();
        configFile = dir.resolve("config.toml");
        store = new ConfigStore(configFile);
        store.save(store.loadOrCreate().withValue("api_base_url", studio.baseUrl().toString())
                .withValue("local_api_port", "0").withValue("models_root", dir.resolve("models").toString()));
        engine = SyntheticEngine.create();
        daemon = Daemon.builder(store, engine)
                .capabilities(new CapabilitiesSource(engine, "test-host", "tester", 24.0, 12.0, false))
                .sessionSettings(SessionSettings.fast())
                .registrationPollInterval(Duration.ofMillis(50))
                .build();
        server = LocalApiServer.start(daemon, LocalApiServer.Options.of(store.load(), configFile, Map.of()));
        worker = Thread.ofPlatform().name("test-worker").daemon(true).start(() -> {
            try {
                daemon.run();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        api = LocalApiClient.connect(configFile);
        Await.until("the studio session to be welcomed",
                () -> status().path("session").path("welcomed").asBoolean());
        studio.submit(SampleJobs.claim(STUDIO_JOB, ImageTask.of("a console test"), "png"));
        if (studio.awaitOutcome(STUDIO_JOB).get(10, TimeUnit.SECONDS).status() != JobStatus.COMPLETED) {
            throw new AssertionError("the studio job did not complete");
        }
        Await.until("the job to be in the history", () -> !status().path("busy").asBoolean());
        // The studio stores the result before it answers the upload; the worker forgets it (spool) only once that
        // answer is in. Tests read "0 undelivered results".
        Await.until("the result to be acknowledged",
                () -> status().path("session").path("pendingResults").asInt(-1) == 0);
    }

    JsonNode status() {
        try {
            return api.get("/daemon/status");
        } catch (ConsoleException e) {
            throw new RuntimeException(e);
        }
    }

    @Override
    public void close() throws Exception {
        daemon.shutdown();
        worker.join(15_000);
        api.close();
        server.close();
        studio.close();
        engine.close();
    }
}
