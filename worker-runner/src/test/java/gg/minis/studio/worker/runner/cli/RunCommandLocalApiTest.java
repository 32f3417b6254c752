package gg.minis.studio.worker.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.localapi.DiscoveryFile;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner run} serves the local API from the start, before registration is approved, until shut down. */
class RunCommandLocalApiTest {
    @TempDir
    Path dir;

    @Test
    void runServesTheLocalApiWhileRegistrationIsPendingAndStopsOnShutdown() throws Exception {
        try (LocalStudio studio = LocalStudio.start(LocalStudio.Options.builder()
                .registrationMode(LocalStudio.RegistrationMode.MANUAL).build())) {
            Path config = dir.resolve("config.toml");
            ConfigStore store = new ConfigStore(config);
            store.save(store.loadOrCreate().withValue("api_base_url", studio.baseUrl().toString())
                    .withValue("local_api_port", "0"));
            CompletableFuture<CliRunner> run = CompletableFuture.supplyAsync(
                    () -> CliRunner.run("--config", config.toString(), "run"));

            Path discovery = dir.resolve(DiscoveryFile.FILE_NAME);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(discovery) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            DiscoveryFile.Contents api = DiscoveryFile.read(discovery);
            HttpClient http = HttpClient.newHttpClient();
            JsonNode status = null;
            while (System.nanoTime() < deadline) {
                status = WireJson.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create(api.url())
                        .resolve("/daemon/status")).timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + api.token()).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                if (status.path("registration").path("phase").asText().equals("pending")) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(status.path("registration").path("phase").asText()).isEqualTo("pending");
            assertThat(status.path("configFile").asText()).isEqualTo(config.toAbsolutePath().toString());

            HttpResponse<String> stop = http.send(HttpRequest.newBuilder(URI.create(api.url())
                    .resolve("/daemon/shutdown")).timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + api.token())
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stop.statusCode()).isEqualTo(202);
            CliRunner result = run.get(15, TimeUnit.SECONDS);
            assertThat(result.exitCode()).as(result.err()).isZero();
        }
    }
}
