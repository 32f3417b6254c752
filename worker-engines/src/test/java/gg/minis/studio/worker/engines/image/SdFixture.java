package gg.minis.studio.worker.engines.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.CliDefaults;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.engines.testing.BackendFixture;
import gg.minis.studio.worker.engines.testing.Jobs;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;

/** A {@link StableDiffusionEngine} on sw_testbackend, see {@link BackendFixture}. */
abstract class SdFixture extends BackendFixture {
    static final String MODEL_ID = "test-sd";

    StableDiffusionEngine engine;

    @BeforeEach
    void createEngine() {
        engine = StableDiffusionEngine.builder(files).backend(nativeBackend.backend()).build();
    }

    @Override
    protected StableDiffusionEngine engine() {
        return engine;
    }

    List<ModelFile> checkpoint(String filename) {
        return List.of(files.file(ModelFileRole.MODEL, filename));
    }

    JobClaim claim(ImageTask task) {
        return claim(task, checkpoint("sd15.safetensors"), null);
    }

    JobClaim claim(ImageTask task, List<ModelFile> modelFiles, CliDefaults defaults) {
        return Jobs.claim(MODEL_ID, task, EngineIds.SD_CPP, modelFiles, defaults);
    }

    BinaryResult run(JobClaim claim) throws EngineException {
        return run(claim, CancellationToken.none());
    }

    BinaryResult run(JobClaim claim, CancellationToken cancel) throws EngineException {
        return (BinaryResult) engine.run(claim, events::add, cancel);
    }

    EngineException failure(JobClaim claim) {
        EngineException e = catchThrowableOfType(EngineException.class, () -> run(claim));
        assertThat(e).as("the job should have failed").isNotNull();
        return e;
    }

    /** A small valid job on the usual checkpoint: proves the engine is still usable. */
    void assertNextJobSucceeds() throws EngineException {
        BinaryResult r = run(claim(Jobs.image().build()));
        assertThat(decode(r.bytes()).getWidth()).isEqualTo(64);
    }

    static BufferedImage decode(byte[] encoded) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(encoded));
            assertThat(img).as("decodable image").isNotNull();
            return img;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Byte-exact comparison that prints a short diagnosis instead of two arrays of 100k numbers. */
    static void assertSamePixels(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("byte count").isEqualTo(expected.length);
        int differ = 0;
        int first = -1;
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] != expected[i]) {
                differ++;
                first = first < 0 ? i : first;
            }
        }
        assertThat(differ).as("bytes that differ (first at index %d)", first).isZero();
    }

    /** The RGB bytes of an image, row-major. */
    static byte[] rgb(BufferedImage img) {
        byte[] out = new byte[img.getWidth() * img.getHeight() * 3];
        int i = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                out[i++] = (byte) (p >>> 16);
                out[i++] = (byte) (p >>> 8);
                out[i++] = (byte) p;
            }
        }
        return out;
    }
}
