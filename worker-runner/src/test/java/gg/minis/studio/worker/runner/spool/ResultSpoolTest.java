package gg.minis.studio.worker.runner.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultSpoolTest {
    @TempDir
    Path dir;

    @Test
    void pendingIsOrderedByCreationTimeNotByItsText() throws Exception {
        ResultSpool spool = new ResultSpool(dir);
        spool.putJson("job-later", "w", "p", JsonNodeFactory.instance.objectNode());
        spool.putJson("job-earlier", "w", "p", JsonNodeFactory.instance.objectNode());
        // Instant.toString() drops a zero fraction: as text "...:00.500Z" < "...:00Z", though it is half a second later.
        rewriteCreatedAt("job-later", "2026-11-27T10:00:00.500Z");
        rewriteCreatedAt("job-earlier", "2026-11-27T10:00:00Z");
        assertThat(new ResultSpool(dir).pending()).extracting(SpooledResult::jobId)
                .containsExactly("job-earlier", "job-later");
    }

    private void rewriteCreatedAt(String jobId, String createdAt) throws Exception {
        Path meta = dir.resolve(jobId + ".json");
        String json = Files.readString(meta);
        Files.writeString(meta,
                json.replaceFirst("\"createdAt\":\"[^\"]+\"", "\"createdAt\":\"" + createdAt + "\""));
    }

    @Test
    void entriesSurviveARestartInOrderAndLeaveOnlyWhenRemoved() throws Exception {
        ResultSpool spool = new ResultSpool(dir);
        spool.putBinary("job-1", "w-1", "a fox", "png", new byte[] {1, 2, 3});
        Thread.sleep(2); // distinct creation instants
        spool.putJson("job-2", "w-1", "hi", JsonNodeFactory.instance.objectNode().put("text", "ok"));
        Thread.sleep(2);
        spool.putFailure("job-3", "w-1", "engine exploded", true);

        ResultSpool reopened = new ResultSpool(dir); // a new process
        assertThat(reopened.pending()).extracting(SpooledResult::jobId).containsExactly("job-1", "job-2", "job-3");
        SpooledResult binary = reopened.get("job-1").orElseThrow();
        assertThat(binary.outcome()).isEqualTo(SpooledResult.Outcome.BINARY);
        assertThat(reopened.readPayload(binary)).containsExactly(1, 2, 3);
        assertThat(binary.prompt()).isEqualTo("a fox");
        assertThat(reopened.get("job-2").orElseThrow().json().path("text").asText()).isEqualTo("ok");
        SpooledResult failure = reopened.get("job-3").orElseThrow();
        assertThat(failure.error()).isEqualTo("engine exploded");
        assertThat(failure.retryable()).isTrue();

        reopened.remove("job-1");
        assertThat(new ResultSpool(dir).pending()).extracting(SpooledResult::jobId).containsExactly("job-2", "job-3");
        assertThat(files()).noneMatch(name -> name.startsWith("job-1"));
    }

    @Test
    void filesAreOwnerOnlyAndNoTempFilesRemain() throws Exception {
        ResultSpool spool = new ResultSpool(dir);
        spool.putBinary("job-1", "w", "p", "webp", new byte[10]);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path file : s.filter(Files::isRegularFile).toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            }
        }
        assertThat(files()).noneMatch(name -> name.endsWith(".tmp"));
    }

    @Test
    void leftoverTempFilesFromACrashAreCleanedAndHalfEntriesIgnored() throws Exception {
        Files.writeString(dir.resolve("job-9.json.tmp"), "{partial");
        Files.write(dir.resolve("job-8.payload"), new byte[] {1}); // payload written, metadata never was
        ResultSpool spool = new ResultSpool(dir);
        assertThat(spool.pending()).isEmpty();
        assertThat(files()).doesNotContain("job-9.json.tmp");
    }

    @Test
    void corruptPayloadIsDetected() throws Exception {
        ResultSpool spool = new ResultSpool(dir);
        SpooledResult entry = spool.putBinary("job-1", "w", "p", "png", new byte[] {1, 2, 3});
        Files.write(entry.payload(), new byte[] {9, 9, 9});
        assertThatThrownBy(() -> spool.readPayload(spool.get("job-1").orElseThrow()))
                .isInstanceOf(IOException.class).hasMessageContaining("corrupt");
    }

    @Test
    void refusedResultsAreKeptAsideNotRetried() throws Exception {
        ResultSpool spool = new ResultSpool(dir);
        spool.putBinary("job-1", "w", "p", "png", new byte[] {1});
        spool.moveToRefused("job-1");
        assertThat(spool.pending()).isEmpty();
        assertThat(Files.exists(dir.resolve("refused/job-1.payload"))).isTrue();
        assertThat(Files.exists(dir.resolve("refused/job-1.json"))).isTrue();
    }

    @Test
    void unsafeJobIdsBecomeHashedFileNamesInsideTheSpool() throws Exception {
        ResultSpool spool = new ResultSpool(dir);
        spool.putJson("../../etc/passwd", "w", "p", JsonNodeFactory.instance.objectNode());
        spool.putJson(".hidden", "w", "p", JsonNodeFactory.instance.objectNode());
        assertThat(files()).allMatch(name -> name.equals("refused") || name.startsWith("h-"));
        assertThat(spool.get("../../etc/passwd")).isPresent();
        assertThat(spool.pending()).extracting(SpooledResult::jobId).contains("../../etc/passwd", ".hidden");
    }

    @Test
    void deliveryAttemptsAreCounted() throws Exception {
        ResultSpool spool = new ResultSpool(dir);
        SpooledResult entry = spool.putBinary("job-1", "w", "p", "png", new byte[] {1});
        entry = spool.recordAttempt(spool.recordAttempt(entry));
        assertThat(new ResultSpool(dir).get("job-1").orElseThrow().deliveryAttempts()).isEqualTo(2);
    }

    private java.util.List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
