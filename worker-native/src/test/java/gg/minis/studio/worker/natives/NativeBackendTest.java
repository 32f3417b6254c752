package gg.minis.studio.worker.natives;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class NativeBackendTest {

    @Test
    void backendInfoIsCopiedOutAndFreed() {
        try (NativeBackend backend = TestBackend.load()) {
            BackendInfo info = backend.info();
            assertThat(info.name()).isEqualTo("sw_testbackend");
            assertThat(info.version()).isEqualTo("1.0.0-deterministic");
            assertThat(info.abiVersion()).isEqualTo(1);
            assertThat(info.image()).isTrue();
            assertThat(info.stt()).isTrue();
            assertThat(info.devices()).containsExactly(
                    new BackendInfo.Device("test-cpu", 8L << 30, 6L << 30),
                    new BackendInfo.Device("test-gpu0", 16L << 30, 12L << 30));
            assertThat(TestBackend.liveAllocations(backend)).isZero();
            assertThat(backend.supportsImage()).isTrue();
            assertThat(backend.supportsStt()).isTrue();
        }
    }

    @Test
    void logLinesReachTheListener() {
        try (NativeBackend backend = TestBackend.load()) {
            List<String> lines = new CopyOnWriteArrayList<>();
            backend.logListener((name, level, msg) -> lines.add(name + "|" + level + "|" + msg));
            backend.openImage(ImageModel.builder().modelPath(Path.of("/m/logged.gguf")).build()).close();
            assertThat(lines).containsExactly(
                    "sw_testbackend|1|sw_testbackend: image model opened: /m/logged.gguf",
                    "sw_testbackend|1|sw_testbackend: image model closed");
        }
    }

    @Test
    void closingTheBackendClosesItsContexts() {
        NativeBackend backend = TestBackend.load();
        ImageContext image = backend.openImage(ImageModel.builder().modelPath(Path.of("/m/a.gguf")).build());
        SttContext stt = backend.openStt(SttModel.of(Path.of("/m/b.bin")));
        assertThat(TestBackend.liveAllocations(backend)).isEqualTo(2);
        backend.close();
        backend.close();
        assertThat(image.isOpen()).isFalse();
        assertThatThrownBy(() -> stt.transcribe(new float[16], SttParams.defaults()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(backend::info).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
