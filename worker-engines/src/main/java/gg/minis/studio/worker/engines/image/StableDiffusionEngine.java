package gg.minis.studio.worker.engines.image;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.media.ImageEncoding;
import gg.minis.studio.worker.engines.media.WebpSettings;
import gg.minis.studio.worker.engines.models.ModelFiles;
import gg.minis.studio.worker.engines.support.NativeEngine;
import gg.minis.studio.worker.natives.ImageContext;
import gg.minis.studio.worker.natives.ImageModel;
import gg.minis.studio.worker.natives.ImageParams;
import gg.minis.studio.worker.natives.ImagePixels;
import gg.minis.studio.worker.natives.NativeBackend;
import java.awt.image.BufferedImage;

/**
 * Image generation in-process through a studio_worker.h image backend ({@code sw_sdcpp} over stable-diffusion.cpp
 * in production, {@code sw_testbackend} in tests).
 *
 * <p>A job: validate ({@link ImageRequest}: sizes, steps, cfg, sampler, denoise, ext), check the model roles,
 * fetch and decode the init / mask / reference images, resolve the files through {@link ModelFiles} (downloads
 * report {@code download} progress), load the model unless the same model set is resident ({@code load} progress),
 * generate ({@code generate} progress per step), encode to {@code task.ext}.
 *
 * <p>The model stays resident across jobs and is reloaded only when the resolved paths or load options
 * ({@code offloadToCpu}, threads, flash attention) change; the old context is closed before the new one is opened.
 * One job runs at a time; {@link #unload()} and {@link #close()} wait for a running job (see {@link NativeEngine}).
 *
 * <p>Failures: bad input and unsupported requests are permanent, out-of-memory and backend errors retryable, a model
 * file the backend cannot load is permanent and names the file (nothing stays loaded, the next job loads again),
 * cancellation is a {@link gg.minis.studio.worker.api.engine.JobCancelledException}. The engine stays usable after
 * every failure.
 */
public final class StableDiffusionEngine extends NativeEngine<ImageModel, ImageContext> {
    public static final String ID = EngineIds.SD_CPP;
    /** The production backend library. */
    public static final String LIBRARY = "sw_sdcpp";

    private final ImageInputs inputs;
    private final boolean flashAttn;
    private final WebpSettings webp;

    private StableDiffusionEngine(Builder b) {
        super(ID, TaskKind.IMAGE, b);
        this.inputs = new ImageInputs(fetcher);
        this.flashAttn = b.flashAttn;
        this.webp = b.webp;
    }

    /** An engine over {@code libraryName} (loaded on the first job with the default loader). */
    public StableDiffusionEngine(String libraryName, ModelFiles modelFiles) {
        this(builder(modelFiles).library(libraryName));
    }

    public static Builder builder(ModelFiles modelFiles) {
        return new Builder(modelFiles);
    }

    @Override
    protected TaskResult runJob(JobClaim claim, ProgressListener progress, CancellationToken cancel)
            throws EngineException {
        ImageTask task = (ImageTask) claim.task();
        ImageRequest request = ImageRequest.of(task, claim.modelSource().cliDefaults());
        ModelSet plan = ModelSet.plan(claim.modelSource()); // the roles first: no input is fetched for a bad set
        ImageParams params = nativeParams(request, cancel); // inputs first: a bad one fails before any download
        ImageContext ctx = openModel(modelId(claim, plan.primary().filename()), claim.modelSource(), progress,
                cancel);
        ImagePixels pixels = callNative(cancel, flag -> ctx.generate(params,
                (step, total) -> progress.onProgress(new Progress("generate", step, total)), flag));
        progress.onProgress(new Progress("encode", 0, 1));
        byte[] bytes = ImageEncoding.encode(toImage(pixels), request.ext(), webp);
        progress.onProgress(new Progress("encode", 1, 1));
        return new BinaryResult(bytes, request.ext());
    }

    @Override
    protected ImageContext openModel(String modelId, ModelSource source, ProgressListener progress,
            CancellationToken cancel) throws EngineException {
        ModelSet plan = ModelSet.plan(source);
        ModelSet.Resolved model = plan.resolve(modelFiles, progress, cancel, threads, flashAttn);
        cancel.throwIfCancelled();
        return load(model.model(), modelId, progress, NativeBackend::openImage, e -> {
            ModelFile file = model.blame(e.nativeMessage(), plan.primary());
            return new EngineException("modelSource.files: cannot load " + file.role() + " file "
                    + file.filename() + ": " + e.nativeMessage(), false, e);
        });
    }

    private ImageParams nativeParams(ImageRequest r, CancellationToken cancel) throws EngineException {
        var p = r.params();
        ImageParams.Builder b = ImageParams.builder(p.prompt()).negativePrompt(p.negativePrompt())
                .size(p.width(), p.height()).steps(p.steps()).cfgScale(r.cfgScale()).sampleMethod(r.sampler())
                .seed(r.seed()).flowShift(r.flowShift()).strength(r.strength());
        if (!ImageRequest.blank(p.initImageUrl())) {
            b.initImage(inputs.rgb("task.initImageUrl", p.initImageUrl(), p.width(), p.height(), cancel));
        }
        if (!ImageRequest.blank(p.maskUrl())) {
            b.maskImage(inputs.mask("task.maskUrl", p.maskUrl(), p.width(), p.height(), cancel));
        }
        if (!ImageRequest.blank(p.refImageUrl())) {
            b.refImage(inputs.rgb("task.refImageUrl", p.refImageUrl(), p.width(), p.height(), cancel));
        }
        return b.build();
    }

    static BufferedImage toImage(ImagePixels px) {
        BufferedImage img = new BufferedImage(px.width(), px.height(), BufferedImage.TYPE_INT_RGB);
        int[] row = new int[px.width()];
        byte[] d = px.data();
        int c = px.channels();
        for (int y = 0; y < px.height(); y++) {
            for (int x = 0, i = y * px.width() * c; x < px.width(); x++, i += c) {
                int r = d[i] & 0xff;
                int g = c >= 3 ? d[i + 1] & 0xff : r;
                int bl = c >= 3 ? d[i + 2] & 0xff : r;
                row[x] = r << 16 | g << 8 | bl;
            }
            img.setRGB(0, y, px.width(), 1, row, 0, px.width());
        }
        return img;
    }

    /** Options beyond the library name and the model files. */
    public static final class Builder extends NativeEngine.Builder<Builder, StableDiffusionEngine> {
        private boolean flashAttn;
        private WebpSettings webp = WebpSettings.DEFAULT;

        private Builder(ModelFiles modelFiles) {
            super(modelFiles, LIBRARY);
        }

        /** Flash attention in the diffusion model (backend support permitting). */
        public Builder flashAttn(boolean b) { this.flashAttn = b; return this; }

        /**
         * How {@code webp} results are written; default {@link WebpSettings#DEFAULT}: lossy at quality 90 through
         * the system's libwebp, lossless (built-in encoder) where libwebp does not load.
         */
        public Builder webp(WebpSettings settings) {
            if (settings == null) {
                throw new IllegalArgumentException("webp settings are null");
            }
            this.webp = settings;
            return this;
        }

        /** Lossy webp at {@code quality}, 0..100 (an out-of-range value is an IllegalArgumentException naming it). */
        public Builder webpQuality(int quality) {
            return webp(WebpSettings.lossy(quality));
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public StableDiffusionEngine build() {
            return new StableDiffusionEngine(this);
        }
    }
}
