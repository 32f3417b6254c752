package gg.minis.studio.worker.engines.image;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.models.ModelFiles;
import gg.minis.studio.worker.natives.ImageModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@code modelSource.files} map onto {@code sw_image_model}: {@code model} is a full checkpoint,
 * {@code diffusion-model} a standalone diffusion model (one of the two is required), {@code vae} the VAE,
 * {@code lora} LoRAs applied at full strength, and each {@code text-encoder} goes to the slot its file name
 * suggests: {@code clip_g}/{@code clip-g} -> clip_g, any other {@code clip} -> clip_l, {@code t5} (t5xxl, umt5) ->
 * t5xxl, anything else (Qwen, Mistral, Gemma, Llama...) -> the LLM text encoder. {@code text-encoder-vision} has no
 * slot in studio_worker.h and is not downloaded.
 */
final class ModelSet {
    private static final Logger LOG = LoggerFactory.getLogger(ModelSet.class);

    enum EncoderSlot { CLIP_L, CLIP_G, T5XXL, LLM }

    private final ModelSource source;
    private final ModelFile checkpoint;
    private final ModelFile diffusionModel;
    private final ModelFile vae;
    private final Map<EncoderSlot, ModelFile> encoders;
    private final List<ModelFile> loras;

    private ModelSet(ModelSource source, ModelFile checkpoint, ModelFile diffusionModel, ModelFile vae,
                     Map<EncoderSlot, ModelFile> encoders, List<ModelFile> loras) {
        this.source = source;
        this.checkpoint = checkpoint;
        this.diffusionModel = diffusionModel;
        this.vae = vae;
        this.encoders = encoders;
        this.loras = loras;
    }

    /** Checks the roles (no download yet). */
    static ModelSet plan(ModelSource source) throws EngineException {
        ModelFile checkpoint = single(source, ModelFileRole.MODEL);
        ModelFile diffusion = single(source, ModelFileRole.DIFFUSION_MODEL);
        if (checkpoint == null && diffusion == null) {
            throw EngineException.permanent("modelSource.files has no file with role diffusion-model or model "
                    + "(one of them is required for sd-cpp; got roles " + roles(source) + ")");
        }
        Map<EncoderSlot, ModelFile> encoders = new EnumMap<>(EncoderSlot.class);
        for (ModelFile f : source.files(ModelFileRole.TEXT_ENCODER)) {
            EncoderSlot slot = slotOf(f.filename());
            ModelFile other = encoders.putIfAbsent(slot, f);
            if (other != null) {
                throw EngineException.permanent("modelSource.files has two text-encoder files for the "
                        + slot.name().toLowerCase(Locale.ROOT) + " slot: " + other.filename() + " and "
                        + f.filename());
            }
        }
        if (!source.files(ModelFileRole.TEXT_ENCODER_VISION).isEmpty()) {
            LOG.debug("sd-cpp: ignoring text-encoder-vision files (no slot in studio_worker.h)");
        }
        return new ModelSet(source, checkpoint, diffusion, single(source, ModelFileRole.VAE), encoders,
                source.files(ModelFileRole.LORA));
    }

    static EncoderSlot slotOf(String filename) {
        String n = filename.toLowerCase(Locale.ROOT);
        if (n.contains("clip_g") || n.contains("clip-g") || n.contains("clipg") || n.contains("bigg")) {
            return EncoderSlot.CLIP_G;
        }
        if (n.contains("clip")) {
            return EncoderSlot.CLIP_L;
        }
        if (n.contains("t5")) {
            return EncoderSlot.T5XXL;
        }
        return EncoderSlot.LLM;
    }

    /** The file the model is named after: the checkpoint, else the diffusion model. */
    ModelFile primary() {
        return checkpoint != null ? checkpoint : diffusionModel;
    }

    /** Resolves every file (downloads when needed) and builds the native model description. */
    Resolved resolve(ModelFiles files, ProgressListener progress, CancellationToken cancel, int threads,
                     boolean flashAttn) throws EngineException {
        Map<Path, ModelFile> byPath = new LinkedHashMap<>();
        ImageModel.Builder b = ImageModel.builder();
        if (checkpoint != null) {
            b.modelPath(fetch(files, checkpoint, progress, cancel, byPath));
        }
        if (diffusionModel != null) {
            b.diffusionModelPath(fetch(files, diffusionModel, progress, cancel, byPath));
        }
        if (vae != null) {
            b.vaePath(fetch(files, vae, progress, cancel, byPath));
        }
        for (Map.Entry<EncoderSlot, ModelFile> e : encoders.entrySet()) {
            Path p = fetch(files, e.getValue(), progress, cancel, byPath);
            switch (e.getKey()) {
                case CLIP_L -> b.clipLPath(p);
                case CLIP_G -> b.clipGPath(p);
                case T5XXL -> b.t5xxlPath(p);
                case LLM -> b.llmPath(p);
            }
        }
        for (ModelFile lora : loras) {
            b.lora(fetch(files, lora, progress, cancel, byPath), 1.0f);
        }
        Boolean offload = source.defaults().offloadToCpu();
        b.threads(threads).flashAttn(flashAttn).offloadToCpu(offload != null && offload);
        return new Resolved(b.build(), byPath);
    }

    private static Path fetch(ModelFiles files, ModelFile f, ProgressListener progress, CancellationToken cancel,
                              Map<Path, ModelFile> byPath) throws EngineException {
        cancel.throwIfCancelled();
        Path p = files.resolve(TaskKind.IMAGE, f, progress, cancel);
        if (p == null) {
            throw new EngineException("modelSource.files: no local path for " + f.role() + " file " + f.filename(),
                    true);
        }
        byPath.put(p, f);
        return p;
    }

    /** The native model and which file each path came from (to name the file a load error is about). */
    record Resolved(ImageModel model, Map<Path, ModelFile> files) {
        /** The file a backend message mentions, else the primary one. */
        ModelFile blame(String nativeMessage, ModelFile fallback) {
            String msg = nativeMessage == null ? "" : nativeMessage;
            List<Map.Entry<Path, ModelFile>> hits = new ArrayList<>();
            for (Map.Entry<Path, ModelFile> e : files.entrySet()) {
                if (msg.contains(e.getKey().toString()) || msg.contains(e.getValue().filename())) {
                    hits.add(e);
                }
            }
            return hits.isEmpty() ? fallback : hits.getFirst().getValue();
        }
    }

    private static ModelFile single(ModelSource source, ModelFileRole role) throws EngineException {
        List<ModelFile> list = source.files(role);
        if (list.size() > 1) {
            throw EngineException.permanent("modelSource.files has " + list.size() + " files with role " + role
                    + " (expected at most one)");
        }
        return list.isEmpty() ? null : list.getFirst();
    }

    private static String roles(ModelSource source) {
        return source.files().isEmpty() ? "none"
                : String.join(", ", source.files().stream().map(f -> f.role().wireName()).distinct().toList());
    }
}
