package gg.minis.studio.worker.engines.models;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static gg.minis.studio.worker.engines.models.ModelCacheFixture.bytes;
import static gg.minis.studio.worker.engines.models.ModelCacheFixture.file;
import static gg.minis.studio.worker.engines.models.ModelCacheFixture.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.core.Options.ChunkedEncodingPolicy;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.models.ModelCacheFixture.Recorder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Callers that overlap: in one process (shared download), across processes (lock file), and cancellation. */
class ModelCacheConcurrencyTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().useChunkedTransferEncoding(ChunkedEncodingPolicy.NEVER)).build();

    static final byte[] MODEL = bytes(200_000, 11);
    static final String MODEL_SHA = sha256(MODEL);

    @TempDir
    Path root;

    final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stopCallers() throws InterruptedException {
        callers.shutdownNow();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    ModelFile model() {
        return file(wm.baseUrl(), "/m/model.gguf?sig=secret", "model.gguf", MODEL_SHA);
    }

    Path image(String name) {
        return root.resolve("image").resolve(name);
    }

    /** The model served by {@code server} instead of WireMock. */
    static ModelFile model(PartialBodyServer server) {
        return file(server.url(""), "/m/model.gguf?sig=secret", "model.gguf", MODEL_SHA);
    }

    CompletableFuture<Path> resolveInBackground(ModelCache cache, ProgressListener progress, CancellationToken cancel) {
        return resolveInBackground(cache, model(), progress, cancel);
    }

    CompletableFuture<Path> resolveInBackground(ModelCache cache, ModelFile file, ProgressListener progress,
            CancellationToken cancel) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return cache.resolve(TaskKind.IMAGE, file, progress, cancel);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, callers);
    }

    /** Polls a condition the test cannot be told about (WireMock's request journal); no timing is asserted. */
    static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    ModelCache cache() {
        return new ModelCache(root, ModelCache.defaultHttpClient());
    }

    /**
     * The model's lock file, locked: stands in for another JVM downloading it (within one JVM the cache sees an
     * {@code OverlappingFileLockException}, across JVMs a null {@code tryLock}; both mean taken). Closing releases it.
     */
    FileChannel lockLikeAnotherProcess() throws java.io.IOException {
        Files.createDirectories(root.resolve("image"));
        FileChannel channel =
                FileChannel.open(image("model.gguf.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        channel.lock();
        return channel;
    }

    int requests() {
        return wm.findAll(getRequestedFor(urlPathEqualTo("/m/model.gguf"))).size();
    }

    @Test
    void twoCallersShareOneDownload() throws Exception {
        // The body is held after its first bytes until the second caller has joined: a download that a slow
        // machine let finish first would leave the second caller nothing to join.
        try (PartialBodyServer server = PartialBodyServer.gated(MODEL, 1000)) {
            ModelCache cache = cache();
            Recorder second = new Recorder();

            CompletableFuture<Path> a = resolveInBackground(cache, model(server), ProgressListener.NONE,
                    CancellationToken.none());
            awaitTrue(() -> server.requests() == 1); // the first request is out, its body held by the server
            CompletableFuture<Path> b = resolveInBackground(cache, model(server), second, CancellationToken.none());
            awaitTrue(() -> !second.events.isEmpty()); // b has joined: it hears the shared download
            server.release();

            assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo(image("model.gguf"));
            assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo(image("model.gguf"));
            assertThat(Files.readAllBytes(image("model.gguf"))).isEqualTo(MODEL);
            second.assertCompleteAndMonotonic(MODEL.length); // the joiner sees the shared download's progress
            assertThat(server.requests()).isEqualTo(1);
        }
    }

    @Test
    void cancellingMidDownloadKeepsThePartForResuming() throws Exception {
        ModelCache cache = cache();
        CancellationToken cancel = new CancellationToken();
        ProgressListener cancelOnFirstBytes = p -> {
            if (p.done() > 0) {
                cancel.cancel("operator");
            }
        };

        // The rest of the body never comes, so the cancel always lands mid-download. (10 % of it: progress is
        // reported in steps of 1 %.)
        try (PartialBodyServer server = PartialBodyServer.stalling(MODEL, MODEL.length / 10)) {
            assertThatThrownBy(() -> cache.resolve(TaskKind.IMAGE, model(server), cancelOnFirstBytes, cancel))
                    .isInstanceOf(JobCancelledException.class)
                    .hasMessage("cancelled: operator");
        }

        assertThat(image("model.gguf")).doesNotExist();
        byte[] part = Files.readAllBytes(image("model.gguf.part"));
        assertThat(part.length).isBetween(1, MODEL.length - 1);
        assertThat(part).isEqualTo(Arrays.copyOf(MODEL, part.length));
    }

    @Test
    void anAlreadyCancelledCallerMakesNoRequest() {
        CancellationToken cancel = new CancellationToken();
        cancel.cancel("shutdown");
        ModelCache cache = cache();

        assertThatThrownBy(() -> cache.resolve(TaskKind.IMAGE, model(), ProgressListener.NONE, cancel))
                .isInstanceOf(JobCancelledException.class);
        wm.verify(0, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }

    @Test
    void oneCallerCancellingDoesNotStopTheDownloadForTheOther() throws Exception {
        // Held mid-body until both callers have had their say: not a race against the transfer's speed.
        try (PartialBodyServer server = PartialBodyServer.gated(MODEL, 1000)) {
            ModelCache cache = cache();
            CancellationToken cancelA = new CancellationToken();
            Recorder progressB = new Recorder();

            CompletableFuture<Path> a = resolveInBackground(cache, model(server), ProgressListener.NONE, cancelA);
            awaitTrue(() -> server.requests() == 1);
            CompletableFuture<Path> b = resolveInBackground(cache, model(server), progressB,
                    CancellationToken.none());
            awaitTrue(() -> !progressB.events.isEmpty()); // b has joined
            cancelA.cancel("operator");

            assertThatThrownBy(() -> a.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(JobCancelledException.class);
            assertThat(b).isNotDone();
            server.release();
            assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo(image("model.gguf"));
            assertThat(Files.readAllBytes(image("model.gguf"))).isEqualTo(MODEL);
            assertThat(server.requests()).isEqualTo(1);
        }
    }

    @Test
    void waitsWhileAnotherProcessHoldsTheLock() throws Exception {
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200).withBody(MODEL)));
        ModelCache cache = cache();
        CompletableFuture<Path> waiting;
        try (FileChannel other = lockLikeAnotherProcess()) {
            waiting = resolveInBackground(cache, ProgressListener.NONE, CancellationToken.none());
            Thread.sleep(600); // a few lock polls: none may turn into a request
            assertThat(requests()).isZero();
            assertThat(waiting).isNotDone();
        }

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(image("model.gguf"));
        wm.verify(1, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }

    @Test
    void usesWhatTheOtherProcessDownloadedOnceItLetsGo() throws Exception {
        ModelCache cache = cache();
        CompletableFuture<Path> waiting;
        try (FileChannel other = lockLikeAnotherProcess()) {
            waiting = resolveInBackground(cache, ProgressListener.NONE, CancellationToken.none());
            Thread.sleep(300);
            Files.write(image("model.gguf"), MODEL); // the other process finishes
        }

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(image("model.gguf"));
        wm.verify(0, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }

    @Test
    void cancellingWhileWaitingForTheLockMakesNoRequest() throws Exception {
        ModelCache cache = cache();
        CancellationToken cancel = new CancellationToken();
        try (FileChannel other = lockLikeAnotherProcess()) {
            CompletableFuture<Path> waiting = resolveInBackground(cache, ProgressListener.NONE, cancel);
            Thread.sleep(300);
            cancel.cancel("shutdown");

            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(JobCancelledException.class);
        }
        wm.verify(0, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }
}
