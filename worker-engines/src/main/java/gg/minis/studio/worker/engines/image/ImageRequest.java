package gg.minis.studio.worker.engines.image;

import static gg.minis.studio.worker.engines.support.NativeFailures.number;

import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.job.CliDefaults;
import gg.minis.studio.worker.api.task.ImageParams;
import gg.minis.studio.worker.api.task.ImageTask;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An image job checked against the rules of studio_worker.h before any download or native call, with per-job values
 * over {@code modelSource.cliDefaults} over the defaults. A failure names the field the bad value came from
 * ({@code task.width}, or {@code modelSource.cliDefaults.width} when the job left it out) and the value.
 */
record ImageRequest(ImageParams params, float cfgScale, String sampler, long seed, float flowShift, float strength,
                    String ext) {
    static final int MIN_SIZE = 64;
    static final int MAX_SIZE = 2048;
    static final int MAX_STEPS = 150;
    static final double MAX_CFG = 30;
    /** sd.cpp's default guidance when neither the job nor the model sets one. */
    static final float DEFAULT_CFG = 7.0f;
    /** img2img strength when the job sends an init image without {@code denoise}. */
    static final float DEFAULT_STRENGTH = 0.75f;
    /** The sampler names of studio_worker.h (stable-diffusion.cpp's {@code --sampling-method} values). */
    static final List<String> SAMPLERS = List.of("euler", "euler_a", "heun", "dpm2", "dpm++2s_a", "dpm++2m",
            "dpm++2mv2", "ipndm", "ipndm_v", "lcm", "ddim_trailing", "tcd");
    static final Set<String> EXTS = Set.of("png", "webp", "gif");

    static ImageRequest of(ImageTask task, CliDefaults defaults) throws EngineException {
        CliDefaults d = defaults == null ? CliDefaults.NONE : defaults;
        ImageParams p = task.resolve(d);
        checkSize(field("width", task.width()), p.width());
        checkSize(field("height", task.height()), p.height());
        if (p.steps() < 1 || p.steps() > MAX_STEPS) {
            throw EngineException.permanent(field("steps", task.steps()) + " must be in 1.." + MAX_STEPS + ", got "
                    + p.steps());
        }
        double cfg = p.cfgScale() == null ? DEFAULT_CFG : p.cfgScale();
        if (!(cfg >= 0 && cfg <= MAX_CFG)) {
            throw EngineException.permanent(field("cfgScale", task.cfgScale()) + " must be in 0.." + number(MAX_CFG)
                    + ", got " + number(cfg));
        }
        String sampler = null;
        if (p.samplingMethod() != null && !p.samplingMethod().isBlank()) {
            sampler = p.samplingMethod().strip().toLowerCase(Locale.ROOT);
            if (!SAMPLERS.contains(sampler)) {
                throw EngineException.permanent(field("samplingMethod", task.samplingMethod()) + " '"
                        + p.samplingMethod() + "' is not a known sampler (expected one of "
                        + String.join(", ", SAMPLERS) + ")");
            }
        }
        if (p.denoise() != null && !(p.denoise() >= 0 && p.denoise() <= 1)) {
            throw EngineException.permanent("task.denoise must be in 0..1, got " + number(p.denoise()));
        }
        double flowShift = d.flowShift() == null ? 0 : d.flowShift();
        if (!Double.isFinite(flowShift)) {
            throw EngineException.permanent("modelSource.cliDefaults.flowShift must be a finite number, got "
                    + flowShift);
        }
        String ext = p.ext().strip().toLowerCase(Locale.ROOT);
        if (!EXTS.contains(ext)) {
            throw EngineException.permanent("task.ext '" + p.ext() + "' is not supported (expected png, webp or gif)");
        }
        if (blank(p.initImageUrl()) && !blank(p.maskUrl())) {
            throw EngineException.permanent("task.maskUrl needs task.initImageUrl (a mask says which part of the "
                    + "init image to repaint)");
        }
        float strength = p.denoise() == null ? DEFAULT_STRENGTH : p.denoise().floatValue();
        long seed = p.seed() == null ? -1 : p.seed();
        return new ImageRequest(p, (float) cfg, sampler, seed, (float) flowShift, strength, ext);
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String field(String name, Object jobValue) {
        return (jobValue == null ? "modelSource.cliDefaults." : "task.") + name;
    }

    private static void checkSize(String field, int value) throws EngineException {
        if (value % 8 != 0) {
            throw EngineException.permanent(field + " must be a multiple of 8, got " + value);
        }
        if (value < MIN_SIZE || value > MAX_SIZE) {
            throw EngineException.permanent(field + " must be in " + MIN_SIZE + ".." + MAX_SIZE + ", got " + value);
        }
    }
}
