package gg.minis.studio.worker.engines.testing;

import gg.minis.studio.worker.api.job.CliDefaults;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.Task;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Claims and tasks for engine tests. */
public final class Jobs {
    private static final AtomicInteger IDS = new AtomicInteger();

    private Jobs() {}

    public static JobClaim claim(String model, Task task, String engine, List<ModelFile> files, CliDefaults d) {
        return JobClaim.local("job-" + IDS.incrementAndGet(), model, task, new ModelSource(engine, files, d));
    }

    /** An {@link ImageTask} built field by field (the record has 13 components). */
    public static final class Image {
        public String prompt = "a lighthouse at dusk";
        public String negativePrompt;
        public String initImageUrl;
        public String maskUrl;
        public String refImageUrl;
        public Double denoise;
        public Double cfgScale;
        public String samplingMethod;
        public Long seed = 42L;
        public Integer width = 64;
        public Integer height = 64;
        public Integer steps = 2;
        public String ext = "png";

        public Image prompt(String v) { prompt = v; return this; }
        public Image negativePrompt(String v) { negativePrompt = v; return this; }
        public Image init(String v) { initImageUrl = v; return this; }
        public Image mask(String v) { maskUrl = v; return this; }
        public Image ref(String v) { refImageUrl = v; return this; }
        public Image denoise(Double v) { denoise = v; return this; }
        public Image cfg(Double v) { cfgScale = v; return this; }
        public Image sampler(String v) { samplingMethod = v; return this; }
        public Image seed(Long v) { seed = v; return this; }
        public Image size(Integer w, Integer h) { width = w; height = h; return this; }
        public Image steps(Integer v) { steps = v; return this; }
        public Image ext(String v) { ext = v; return this; }

        public ImageTask build() {
            return new ImageTask(prompt, negativePrompt, initImageUrl, maskUrl, refImageUrl, denoise, cfgScale,
                    samplingMethod, seed, width, height, steps, ext);
        }
    }

    public static Image image() {
        return new Image();
    }
}
