package gg.minis.studio.worker.natives;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The committed jextract bindings must come from the current studio_worker.h. */
class HeaderHashTest {
    @Test
    void bindingsWereRegeneratedForTheCurrentHeader() throws Exception {
        Path header = TestBackend.moduleDir().resolve("../native/include/studio_worker.h").normalize();
        assertThat(header).exists();
        String recorded;
        try (InputStream in = getClass().getResourceAsStream("/gg/minis/studio/worker/natives/ffi/studio_worker.h.sha256")) {
            assertThat(in).as("studio_worker.h.sha256 resource (written by native/regenerate-bindings.sh)").isNotNull();
            recorded = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+")[0];
        }
        assertThat(sha256WithoutCr(header))
                .as("native/include/studio_worker.h changed since the FFM bindings were generated: run "
                        + "native/regenerate-bindings.sh (needs jextract on PATH) and commit the result")
                .isEqualTo(recorded);
    }

    static String sha256WithoutCr(Path file) throws IOException, java.security.NoSuchAlgorithmException {
        byte[] bytes = Files.readAllBytes(file);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length);
        for (byte b : bytes) {
            if (b != '\r') {
                out.write(b);
            }
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
    }
}
