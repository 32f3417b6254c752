package gg.minis.studio.worker.api.job;

/** Known values of {@code modelSource.engine}. The field stays a string so a new studio engine is rejected, not fatal. */
public final class EngineIds {
    public static final String SD_CPP = "sd-cpp";
    public static final String LLAMA_CPP = "llama-cpp";
    public static final String ONNX = "onnx";
    public static final String PARAKEET = "parakeet";
    public static final String SYNTHETIC = "synthetic";
    /** Not a studio value: our in-process whisper.cpp engine, for local use and the model catalog. */
    public static final String WHISPER_CPP = "whisper-cpp";

    private EngineIds() {}
}
