package gg.minis.studio.worker.engines.models;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/** Shared bits of the model cache tests: deterministic model bytes, hashes, files and a progress recorder. */
final class ModelCacheFixture {
    private ModelCacheFixture() {}

    static byte[] bytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static ModelFile file(String baseUrl, String path, String filename, String sha256) {
        return new ModelFile(ModelFileRole.MODEL, baseUrl + path, filename, null, sha256);
    }

    /** Every name under {@code dir}, relative, sorted: what a test left on disk. */
    static List<String> tree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
    }

    static final class Recorder implements ProgressListener {
        final List<Progress> events = new CopyOnWriteArrayList<>();

        @Override
        public void onProgress(Progress progress) {
            events.add(progress);
        }

        /** Download phase only, done never going back, the last one complete. */
        void assertCompleteAndMonotonic(long total) {
            assertThat(events).isNotEmpty().allSatisfy(p -> {
                assertThat(p.phase()).isEqualTo("download");
                assertThat(p.total()).isEqualTo(total);
                assertThat(p.done()).isBetween(0L, total);
            });
            for (int i = 1; i < events.size(); i++) {
                assertThat(events.get(i).done()).isGreaterThanOrEqualTo(events.get(i - 1).done());
            }
            assertThat(events.getLast().done()).isEqualTo(total);
        }
    }
}
