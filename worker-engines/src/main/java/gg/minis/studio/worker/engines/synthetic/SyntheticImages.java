package gg.minis.studio.worker.engines.synthetic;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.task.ImageParams;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.VideoTask;
import gg.minis.studio.worker.engines.media.ImageEncoding;
import gg.minis.studio.worker.engines.media.WebpSettings;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Images and clips painted from the prompt and seed: smooth colour fields with a moving band, cheap to compute. */
final class SyntheticImages {
    static final int MAX_SIDE = 4096;
    static final int MAX_FRAMES = 240;
    static final int DEFAULT_FPS = 8;

    private SyntheticImages() {}

    static BinaryResult generate(JobClaim claim, ImageTask task, ProgressListener progress, CancellationToken cancel)
            throws EngineException {
        ImageParams p = task.resolve(claim.modelSource().cliDefaults());
        checkSize("task.width", p.width());
        checkSize("task.height", p.height());
        if (p.steps() < 1 || p.steps() > 1000) {
            throw EngineException.permanent("task.steps must be 1..1000, got " + p.steps());
        }
        long seed = Seeds.of(p.prompt() + "\u0000" + p.negativePrompt(), p.seed() == null ? 0 : p.seed());
        for (int step = 1; step <= p.steps(); step++) {
            cancel.throwIfCancelled();
            progress.onProgress(new Progress("generate", step, p.steps()));
        }
        BufferedImage image = paint(p.width(), p.height(), seed, 0, 1);
        progress.onProgress(new Progress("encode", 0, 1));
        return new BinaryResult(encode(image, p.ext(), "task.ext"), normalise(p.ext()));
    }

    static BinaryResult animate(JobClaim claim, VideoTask task, ProgressListener progress, CancellationToken cancel)
            throws EngineException {
        checkSize("task.width", task.width());
        checkSize("task.height", task.height());
        int fps = task.fps() == null ? DEFAULT_FPS : task.fps();
        if (fps < 1 || fps > 60) {
            throw EngineException.permanent("task.fps must be 1..60, got " + fps);
        }
        if (!(task.seconds() > 0) || task.seconds() > 60) {
            throw EngineException.permanent("task.seconds must be in (0, 60], got " + task.seconds());
        }
        String ext = normalise(task.ext());
        if (!ext.equals("gif") && !ext.equals("webp")) {
            throw EngineException.permanent("unsupported video ext '" + task.ext()
                    + "': the synthetic engine writes animated gif or webp");
        }
        int frames = (int) Math.min(MAX_FRAMES, Math.max(1, Math.round(task.seconds() * fps)));
        long seed = Seeds.of(task.prompt(), 0);
        List<BufferedImage> images = new ArrayList<>(frames);
        for (int i = 0; i < frames; i++) {
            cancel.throwIfCancelled();
            images.add(paint(task.width(), task.height(), seed, i, frames));
            progress.onProgress(new Progress("generate", i + 1, frames));
        }
        try {
            return new BinaryResult(ImageEncoding.encodeAnimation(images, 1000 / fps, ext), ext);
        } catch (IllegalArgumentException e) {
            throw EngineException.permanent("task.ext: " + e.getMessage());
        }
    }

    /**
     * Stills in {@code ext}; webp always lossless through the built-in encoder (never libwebp), so that the same
     * claim gives the same bytes on every machine. The smooth synthetic pictures are also smaller lossless.
     */
    static byte[] encode(BufferedImage image, String ext, String field) throws EngineException {
        try {
            return ImageEncoding.encode(image, ext, WebpSettings.lossless());
        } catch (IllegalArgumentException e) {
            throw EngineException.permanent(field + ": " + e.getMessage());
        }
    }

    private static String normalise(String ext) {
        return ext.toLowerCase(Locale.ROOT);
    }

    private static void checkSize(String field, int value) throws EngineException {
        if (value < 1 || value > MAX_SIDE) {
            throw EngineException.permanent(field + " must be 1.." + MAX_SIDE + ", got " + value);
        }
    }

    /** Frame {@code frame} of {@code frames}: a diagonal gradient whose hues come from the seed, plus a band. */
    static BufferedImage paint(int width, int height, long seed, int frame, int frames) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        int r0 = (int) (seed & 0xff), g0 = (int) (seed >>> 8 & 0xff), b0 = (int) (seed >>> 16 & 0xff);
        int r1 = (int) (seed >>> 24 & 0xff), g1 = (int) (seed >>> 32 & 0xff), b1 = (int) (seed >>> 40 & 0xff);
        int bandWidth = Math.max(1, height / 8);
        int bandTop = (int) ((long) (height + bandWidth) * frame / Math.max(1, frames)) - bandWidth / 2;
        int span = Math.max(1, width + height - 2);
        for (int y = 0; y < height; y++) {
            boolean inBand = frames > 1 && y >= bandTop && y < bandTop + bandWidth;
            for (int x = 0; x < width; x++) {
                int t = (x + y) * 255 / span;
                int r = r0 + (r1 - r0) * t / 255;
                int g = g0 + (g1 - g0) * t / 255;
                int b = b0 + (b1 - b0) * t / 255;
                row[x] = inBand ? 0xffffff ^ (r << 16 | g << 8 | b) : r << 16 | g << 8 | b;
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return image;
    }
}
