package gg.minis.studio.worker.engines.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache's inventory, verification and pruning on a real temp folder. */
class CacheInventoryTest {
    @TempDir
    Path dir;

    Path root;
    CacheInventory inventory;

    @BeforeEach
    void setUp() throws Exception {
        root = dir.resolve("models");
        Files.createDirectories(root.resolve("image"));
        Files.createDirectories(root.resolve("llm"));
        inventory = new CacheInventory(root);
    }

    /** A model file with a matching sidecar, as a finished download leaves it. */
    Path verifiedFile(String kind, String name, int size) throws Exception {
        Path p = root.resolve(kind).resolve(name);
        Files.write(p, ModelCacheFixture.bytes(size, name.hashCode()));
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        VerifiedMarker.of(a, Sha256.of(p)).write(ModelCache.sibling(p, ModelCache.MARKER_SUFFIX));
        return p;
    }

    @Test
    void listsFilesWithSidecarsAndPartials() throws Exception {
        verifiedFile("image", "a.gguf", 1000);
        Files.write(root.resolve("image/b.gguf"), new byte[500]); // placed by hand: no sidecar
        Files.write(root.resolve("llm/c.gguf.part"), new byte[300]); // an unfinished download
        Files.write(root.resolve("llm/c.gguf.lock"), new byte[0]);
        Files.write(root.resolve("image/a.gguf.part"), new byte[7]); // a leftover beside a complete file
        Files.createDirectories(root.resolve("not-a-kind"));
        Files.write(root.resolve("not-a-kind/x.bin"), new byte[10]);

        assertThat(inventory.list()).containsExactly(
                new CacheInventory.CachedFile("image", "a.gguf", root.resolve("image/a.gguf"), 1000, true, true, 7),
                new CacheInventory.CachedFile("image", "b.gguf", root.resolve("image/b.gguf"), 500, true, false, 0),
                new CacheInventory.CachedFile("llm", "c.gguf", root.resolve("llm/c.gguf"), 0, false, false, 300));
    }

    @Test
    void aSidecarThatNoLongerMatchesIsNotVerified() throws Exception {
        Path p = verifiedFile("image", "a.gguf", 1000);
        Files.write(p, new byte[1001]);
        assertThat(inventory.list().getFirst().verified()).isFalse();
    }

    @Test
    void verifyOkAndMismatchAfterACorruptByte() throws Exception {
        Path p = verifiedFile("image", "a.gguf", 4096);
        assertThat(inventory.verify("image", "a.gguf", null)).get()
                .extracting(CacheInventory.Verification::status).isEqualTo(CacheInventory.Status.OK);

        byte[] bytes = Files.readAllBytes(p);
        bytes[100] ^= 1;
        var mtime = Files.getLastModifiedTime(p);
        Files.write(p, bytes);
        Files.setLastModifiedTime(p, mtime); // the sidecar still "describes" it: only a re-hash finds out
        assertThat(inventory.list().getFirst().verified()).isTrue();

        CacheInventory.Verification v = inventory.verify("image", "a.gguf", null).orElseThrow();
        assertThat(v.status()).isEqualTo(CacheInventory.Status.MISMATCH);
        assertThat(v.sha256()).isEqualTo(Sha256.of(p)).isNotEqualTo(v.expected());
        assertThat(root.resolve("image/a.gguf.verified")).doesNotExist();
        assertThat(inventory.list().getFirst().verified()).isFalse();
    }

    @Test
    void verifyAgainstAnExpectedShaAndWithoutReference() throws Exception {
        Path p = root.resolve("image/hand.gguf");
        Files.write(p, new byte[64]);
        assertThat(inventory.verify("image", "hand.gguf", null).orElseThrow().status())
                .isEqualTo(CacheInventory.Status.NO_REFERENCE);
        assertThat(inventory.verify("image", "hand.gguf", "0".repeat(64)).orElseThrow().status())
                .isEqualTo(CacheInventory.Status.MISMATCH);
        assertThat(inventory.verify("image", "hand.gguf", Sha256.of(p).toUpperCase()).orElseThrow().status())
                .isEqualTo(CacheInventory.Status.OK);
        assertThat(inventory.verifyAll((k, f) -> null)).hasSize(1);
    }

    @Test
    void verifyOfAnUnknownOrUnsafeFileIsEmpty() throws Exception {
        Files.write(dir.resolve("outside.bin"), new byte[3]);
        assertThat(inventory.verify("image", "missing.gguf", null)).isEmpty();
        assertThat(inventory.verify("image", "../../outside.bin", null)).isEmpty();
        assertThat(inventory.verify("nope", "a.gguf", null)).isEmpty();
        assertThat(inventory.verify("image", "a.gguf.part", null)).isEmpty();
    }

    @Test
    void pruneKeepsReferencedFilesAndRemovesTheRestWithSidecars() throws Exception {
        Path keep = verifiedFile("image", "keep.gguf", 1000);
        verifiedFile("image", "old.gguf", 2000);
        Files.write(root.resolve("image/old.gguf.lock"), new byte[0]);
        Files.write(root.resolve("image/keep.gguf.part"), new byte[5]); // leftover of a finished download
        Files.write(root.resolve("llm/gone.gguf.part"), new byte[300]); // abandoned download
        Files.write(root.resolve("llm/resume.gguf.part"), new byte[40]); // kept: may resume
        Path outside = dir.resolve("outside.gguf");
        Files.write(outside, new byte[10]);
        Files.createSymbolicLink(root.resolve("image/link.gguf"), outside);

        CacheInventory.PruneResult result = inventory.prune(Set.of(keep,
                inventory.pathOf("llm", "resume.gguf")));

        assertThat(result.removed()).extracting(r -> r.kind() + "/" + r.filename()).containsExactlyInAnyOrder(
                "image/keep.gguf.part", "image/old.gguf", "image/old.gguf.verified", "image/old.gguf.lock",
                "llm/gone.gguf.part");
        assertThat(result.freedBytes()).isEqualTo(5 + 2000 + Files.size(root.resolve("image/keep.gguf.verified"))
                + 300);
        assertThat(result.skipped()).isEmpty();
        try (Stream<Path> left = Files.list(root.resolve("image"))) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("keep.gguf", "keep.gguf.verified", "link.gguf");
        }
        try (Stream<Path> left = Files.list(root.resolve("llm"))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("resume.gguf.part");
        }
        assertThat(outside).exists().hasSize(10);
        assertThat(Files.isSymbolicLink(root.resolve("image/link.gguf"))).isTrue();
    }

    @Test
    void pruneNeverLeavesTheRootThroughALinkedFolder() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.write(elsewhere.resolve("precious.gguf"), new byte[10]);
        Files.createSymbolicLink(root.resolve("video"), elsewhere);
        Files.write(dir.resolve("sibling-of-root.gguf"), new byte[10]);

        assertThat(inventory.list()).isEmpty();
        assertThat(inventory.prune(Set.of()).removed()).isEmpty();
        assertThat(elsewhere.resolve("precious.gguf")).exists();
        assertThat(dir.resolve("sibling-of-root.gguf")).exists();
    }

    @Test
    void pruneSkipsAFileWhoseLockIsHeld() throws Exception {
        verifiedFile("image", "busy.gguf", 100);
        Files.write(root.resolve("image/busy.gguf.part"), new byte[5]);
        try (FileChannel channel = FileChannel.open(root.resolve("image/busy.gguf.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = channel.lock()) {
            CacheInventory.PruneResult result = inventory.prune(Set.of());
            assertThat(result.removed()).isEmpty();
            assertThat(result.skipped()).containsExactly("image/busy.gguf");
            assertThat(held.isValid()).isTrue();
        }
        assertThat(root.resolve("image/busy.gguf")).exists();
        assertThat(inventory.prune(Set.of()).removed()).hasSize(4);
    }
}
