package gg.minis.studio.worker.engines.testing;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.natives.testing.NativeTestBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Engine tests on sw_testbackend: the library loaded once per class (each test is skipped, saying why, when it was
 * not built), model files in a temp folder, progress recorded, and after every test the engine closed and no native
 * allocation left behind.
 */
public abstract class BackendFixture {
    protected static NativeTestBackend nativeBackend;

    @TempDir
    protected Path dir;
    protected LocalModelFiles files;
    protected final List<Progress> events = new CopyOnWriteArrayList<>();

    @AfterAll
    static void closeBackend() {
        if (nativeBackend != null) {
            nativeBackend.close();
            nativeBackend = null;
        }
    }

    /**
     * Loads the library on the first test of the class. The assumption sits here rather than in a
     * {@code @BeforeAll} so that, without the native build, every test is reported as skipped with the reason
     * (Surefire shows a class aborted in {@code @BeforeAll} as zero tests run).
     */
    @BeforeEach
    void loadBackendAndCreateModelFiles() {
        if (nativeBackend == null) {
            nativeBackend = NativeTestBackend.load();
        }
        files = new LocalModelFiles(dir);
    }

    /** The engine under test, closed after each test. */
    protected abstract Engine engine();

    @AfterEach
    void closeEngineAndCheckLeaks() {
        if (engine() == null) {
            return; // skipped before the engine was made
        }
        engine().close();
        assertThat(nativeBackend.liveAllocations()).as("native allocations left behind").isZero();
    }
}
