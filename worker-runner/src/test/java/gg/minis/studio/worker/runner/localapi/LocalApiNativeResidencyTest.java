package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiAssertions.assertError;
import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.engines.image.StableDiffusionEngine;
import gg.minis.studio.worker.engines.models.ModelFiles;
import gg.minis.studio.worker.engines.routing.MultiEngine;
import gg.minis.studio.worker.engines.speech.WhisperEngine;
import gg.minis.studio.worker.natives.testing.NativeTestBackend;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Residency through the local API on sw_testbackend: StableDiffusionEngine and WhisperEngine over one test backend,
 * catalog entries whose files are {@code file:} URLs of temp files. Model opens are counted from the backend's log
 * lines; after every test nothing native is left allocated.
 */
class LocalApiNativeResidencyTest {
    private static NativeTestBackend backend;

    @TempDir
    Path dir;
    @TempDir
    Path models;

    private Engine engine;
    private ApiFixture fx;

    @BeforeEach
    void start() throws Exception {
        if (backend == null) {
            backend = NativeTestBackend.load();
        }
        fx = fixture();
    }

    private ApiFixture fixture() throws Exception {
        return fixture(true);
    }

    /** {@code releaseAfterJob}: unload a model loaded only for a job (most tests here check that mode). */
    private ApiFixture fixture(boolean releaseAfterJob) throws Exception {
        ModelFiles files = ModelFiles.localFilesOr((kind, file, progress, cancel) -> {
            throw EngineException.permanent("no downloads in this test: " + file.url());
        });
        engine = MultiEngine.of(StableDiffusionEngine.builder(files).backend(backend.backend()).build(),
                WhisperEngine.builder(files).backend(backend.backend()).build());
        return new ApiFixture(dir, engine, c -> c, b -> b.releaseUnpinnedAfterJob(releaseAfterJob));
    }

    @Test
    void byDefaultAJobsModelStaysResidentUntilAnotherModelNeedsTheEngine() throws Exception {
        fx.close();
        engine.close();
        fx = fixture(false);
        addImage("sd-a", 1.0);
        addImage("sd-b", 1.0);
        long before = opens();
        image("sd-a");
        image("sd-a");
        assertThat(opens() - before).as("the second job reuses the model the first one loaded").isEqualTo(1);
        assertThat(state("sd-a")).isEqualTo("resident");
        image("sd-b");
        assertThat(opens() - before).isEqualTo(2);
        assertThat(state("sd-a")).isEqualTo("on_disk");
        assertThat(state("sd-b")).isEqualTo("resident");
    }

    @AfterEach
    void stop() throws Exception {
        if (fx != null) {
            fx.close();
            engine.close();
            assertThat(backend.liveAllocations()).as("native allocations left behind").isZero();
        }
    }

    @AfterAll
    static void closeBackend() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    private Map<String, Object> entry(String id, String kind, String engineId, String file, double vram)
            throws Exception {
        Path p = models.resolve(file);
        Files.writeString(p, "weights of " + file);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", id);
        e.put("kind", kind);
        e.put("vramGbEstimate", vram);
        e.put("source", Map.of("engine", engineId, "files", List.of(Map.of("role", "model",
                "url", p.toUri().toString(), "filename", file))));
        return e;
    }

    private void addImage(String id, double vram) throws Exception {
        HttpResponse<byte[]> res = fx.api.post("/models", entry(id, "image", "sd-cpp", id + ".safetensors", vram));
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(201);
    }

    private String state(String id) throws Exception {
        return json(fx.api.get("/models/" + id + "/state")).path("state").asText();
    }

    private JsonNode load(String id) throws Exception {
        HttpResponse<byte[]> res = fx.api.post("/models/" + id + "/load", "{}");
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(200);
        return json(res);
    }

    private void image(String model) throws Exception {
        HttpResponse<byte[]> res = fx.api.post("/image", Map.of("prompt", "a lighthouse", "model", model,
                "width", 64, "height", 64, "steps", 2, "ext", "png"));
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(200);
    }

    private static long opens() {
        return backend.logCount("image model opened");
    }

    @Test
    void aLoadedModelServesJobsWithoutReloadingUntilUnloaded() throws Exception {
        addImage("sd-a", 1.0);
        long before = opens();
        assertThat(load("sd-a").path("state").asText()).isEqualTo("resident");
        assertThat(opens() - before).isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            image("sd-a");
        }
        assertThat(opens() - before).as("jobs reuse the resident model").isEqualTo(1);
        assertThat(state("sd-a")).isEqualTo("resident");
        assertThat(backend.liveAllocations()).isEqualTo(1); // the context

        assertThat(json(fx.api.post("/models/sd-a/unload", "{}")).path("state").asText()).isEqualTo("on_disk");
        assertThat(backend.liveAllocations()).isZero();
        image("sd-a"); // not pinned now: loaded for the job and released after it
        assertThat(opens() - before).isEqualTo(2);
        assertThat(state("sd-a")).isEqualTo("on_disk");
        assertThat(backend.liveAllocations()).isZero();
    }

    @Test
    void speechModelsLoadToo_andEachEngineHoldsOneModel() throws Exception {
        addImage("sd-a", 1.0);
        addImage("sd-b", 1.0);
        HttpResponse<byte[]> added = fx.api.post("/models", entry("whisper-tiny", "audio_stt", "whisper-cpp",
                "ggml-tiny.bin", 0.2));
        assertThat(added.statusCode()).isEqualTo(201);
        load("whisper-tiny");
        load("sd-a");
        assertThat(backend.logCount("stt model opened")).isEqualTo(1);
        assertThat(state("whisper-tiny")).isEqualTo("resident");
        assertThat(state("sd-a")).isEqualTo("resident");
        assertThat(json(fx.api.get("/models")).path("residentCapacity").asInt()).isEqualTo(1);

        // sd-cpp holds one model: loading sd-b replaces (and unpins) sd-a, and the state says so.
        load("sd-b");
        JsonNode a = json(fx.api.get("/models/sd-a/state"));
        assertThat(a.path("state").asText()).isEqualTo("on_disk");
        assertThat(a.path("stateDetail").asText()).contains("replaced by sd-b", "one model resident at a time");
        assertThat(a.path("pinned").asBoolean()).isFalse();
        assertThat(state("whisper-tiny")).isEqualTo("resident");

        fx.api.post("/models/whisper-tiny/unload", "{}");
        assertThat(backend.logCount("stt model closed")).isEqualTo(1);
        fx.api.post("/models/sd-b/unload", "{}");
        assertThat(backend.liveAllocations()).isZero();
    }

    @Test
    void aJobOnAnotherModelIsReleasedAfterItAndThePinnedModelComesBack() throws Exception {
        addImage("sd-a", 1.0);
        addImage("sd-b", 1.0);
        load("sd-a");
        long before = opens();
        image("sd-b"); // displaces sd-a for one job
        assertThat(state("sd-b")).isEqualTo("on_disk");
        await("the pinned sd-a to be reloaded", () -> call(() -> state("sd-a")).equals("resident"));
        assertThat(opens() - before).as("sd-b for the job, then sd-a again").isEqualTo(2);
        assertThat(backend.liveAllocations()).isEqualTo(1);
    }

    @Test
    void admissionComparesTheEstimateWithTheBackendsFreeVram() throws Exception {
        addImage("sd-huge", 20.0); // sw_testbackend reports test-gpu0 with 12 GiB free
        HttpResponse<byte[]> res = fx.api.post("/models/sd-huge/load", "{}");
        assertError(res, 409, "insufficient_memory", "VRAM", "22.00 GiB", "12.00 GiB free");
        assertThat(json(res).path("neededGb").asDouble()).isEqualTo(22.0);
        assertThat(json(res).path("freeGb").asDouble()).isEqualTo(12.0);
        assertThat(json(res).path("memory").asText()).isEqualTo("vram");
        assertThat(backend.logCount("sd-huge")).isZero();
    }

    @Test
    void aNewDaemonOnTheSameConfigDirReloadsPinnedModels() throws Exception {
        addImage("sd-a", 1.0);
        load("sd-a");
        long before = opens();
        fx.close();
        engine.close();
        assertThat(backend.liveAllocations()).isZero();

        fx = fixture();
        assertThat(state("sd-a")).isEqualTo("on_disk");
        fx.daemon.residency().restore(); // what Daemon.run() starts with
        assertThat(state("sd-a")).isEqualTo("resident");
        assertThat(opens() - before).isEqualTo(1);
        image("sd-a");
        assertThat(opens() - before).isEqualTo(1);
    }

    @Test
    void hundredLoadUnloadCyclesLeaveNoNativeMemoryBehind() throws Exception {
        addImage("sd-a", 1.0);
        // Warm up (classes, arenas, JIT) until ten cycles in a row compiled nothing: on a loaded machine the JIT
        // lags, and what it compiles during the measured cycles would count as growth.
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean quiet = false;
        for (int round = 0; round < 20 && !quiet; round++) {
            long compiling = jitMillis(jit);
            for (int i = 0; i < 10; i++) {
                load("sd-a");
                fx.api.post("/models/sd-a/unload", "{}");
            }
            quiet = jitMillis(jit) == compiling;
        }
        long rssBefore = rss();
        long jvmBefore = jvmCommitted();
        for (int i = 0; i < 100; i++) {
            assertThat(load("sd-a").path("state").asText()).isEqualTo("resident");
            assertThat(backend.liveAllocations()).isEqualTo(1);
            assertThat(json(fx.api.post("/models/sd-a/unload", "{}")).path("state").asText()).isEqualTo("on_disk");
            assertThat(backend.liveAllocations()).as("after cycle %d", i).isZero();
        }
        long rssGrown = rss() - rssBefore;
        // The JVM's own memory (a heap G1 grew because a busy CPU made its pauses long, code, metaspace) is not
        // what this measures.
        long jvmGrown = jvmCommitted() - jvmBefore;
        long grown = rssGrown - jvmGrown;
        System.out.printf("RSS growth over 100 load/unload cycles: %d KiB, of which the JVM's committed heap and"
                + " non-heap %d KiB%n", rssGrown / 1024, jvmGrown / 1024);
        assertThat(grown).as("RSS growth in bytes, less the JVM's committed heap and non-heap growth")
                .isLessThan(16L << 20);
    }

    /** Time the JIT compilers spent so far (-1 where the JVM does not say): a change means they compiled. */
    private static long jitMillis(CompilationMXBean jit) {
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /** Committed heap and non-heap memory of this JVM, in bytes. */
    private static long jvmCommitted() {
        var memory = ManagementFactory.getMemoryMXBean();
        return memory.getHeapMemoryUsage().getCommitted() + memory.getNonHeapMemoryUsage().getCommitted();
    }

    /** Resident set size of this JVM (Linux /proc), after a GC; 0 where unknown. */
    private static long rss() throws Exception {
        System.gc();
        Thread.sleep(100);
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return 0;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }

    interface Call<T> {
        T get() throws Exception;
    }

    static <T> T call(Call<T> c) {
        try {
            return c.get();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
