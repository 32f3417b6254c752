package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.engines.image.StableDiffusionEngine;
import gg.minis.studio.worker.engines.media.LibWebp;
import gg.minis.studio.worker.engines.models.ModelCache;
import gg.minis.studio.worker.engines.models.ModelFiles;
import gg.minis.studio.worker.engines.routing.MultiEngine;
import gg.minis.studio.worker.engines.speech.WhisperEngine;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.natives.NativeBackend;
import gg.minis.studio.worker.natives.NativeLibraryException;
import gg.minis.studio.worker.natives.NativeLibraryLoader;
import gg.minis.studio.worker.runner.config.ConfigPaths;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the engine the config asks for. {@code sd-cpp} and {@code whisper-cpp} need their native backend and say
 * where they looked when it is missing; {@code auto} takes every native backend that loads, else the synthetic one.
 */
final class Engines {
    private static final Logger log = LoggerFactory.getLogger(Engines.class);

    private Engines() {}

    static Engine fromConfig(WorkerConfig config) {
        return switch (config.engine()) {
            case "synthetic" -> SyntheticEngine.create();
            case "sd-cpp" -> stableDiffusion(config, requireBackend(config, StableDiffusionEngine.LIBRARY));
            case "whisper-cpp" -> whisper(config, requireBackend(config, WhisperEngine.LIBRARY));
            case "auto" -> auto(config);
            default -> throw new UserError(ExitCodes.CONFIG, "engine '" + config.engine() + "' is not one of "
                    + WorkerConfig.ENGINES);
        };
    }

    private static Engine auto(WorkerConfig config) {
        NativeLibraryLoader loader = loader(config);
        List<Engine> engines = new ArrayList<>();
        if (loads(loader, StableDiffusionEngine.LIBRARY)) {
            engines.add(stableDiffusion(config, loader));
        }
        if (loads(loader, WhisperEngine.LIBRARY)) {
            engines.add(whisper(config, loader));
        }
        if (engines.isEmpty()) {
            log.info("engine auto: no native backend found (sw_sdcpp, sw_whisper); using the synthetic engine");
            return SyntheticEngine.create();
        }
        return engines.size() == 1 ? engines.getFirst() : new MultiEngine(engines);
    }

    private static Engine stableDiffusion(WorkerConfig config, NativeLibraryLoader loader) {
        LibWebp.system(); // logs once which libwebp writes webp results, or why they will be lossless
        return StableDiffusionEngine.builder(modelCache(config)).loader(loader).webpQuality(config.webpQuality())
                .build();
    }

    private static Engine whisper(WorkerConfig config, NativeLibraryLoader loader) {
        return WhisperEngine.builder(modelCache(config)).loader(loader).build();
    }

    private static ModelFiles modelCache(WorkerConfig config) {
        return ModelFiles.localFilesOr(new ModelCache(ConfigPaths.modelsRoot(config), ModelCache.defaultHttpClient()));
    }

    /** Fails fast, naming every place looked, instead of failing the first job. */
    private static NativeLibraryLoader requireBackend(WorkerConfig config, String library) {
        NativeLibraryLoader loader = loader(config);
        try (NativeBackend probe = NativeBackend.load(loader, library)) {
            log.info("engine {}: native backend {} from {}", config.engine(), library, probe.libraryPath());
            return loader;
        } catch (NativeLibraryException e) {
            throw new UserError(ExitCodes.CONFIG, "engine '" + config.engine() + "' needs the native backend "
                    + library + ": " + e.getMessage());
        }
    }

    private static boolean loads(NativeLibraryLoader loader, String library) {
        try (NativeBackend probe = NativeBackend.load(loader, library)) {
            log.info("engine auto: found {} at {}", library, probe.libraryPath());
            return true;
        } catch (NativeLibraryException e) {
            log.debug("engine auto: {} not available: {}", library, e.getMessage());
            return false;
        }
    }

    private static NativeLibraryLoader loader(WorkerConfig config) {
        Path nativeDir = ConfigPaths.nativeDir(config);
        return nativeDir == null ? NativeLibraryLoader.defaults() : NativeLibraryLoader.builder().directory(nativeDir)
                .build();
    }
}
