package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.api.job.JsonResult;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.TimestampGranularity;
import gg.minis.studio.worker.runner.config.ConfigException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "transcribe", mixinStandardHelpOptions = true,
        description = "Transcribe one audio file in-process, without a studio, with the configured engine.")
final class TranscribeCommand implements Callable<Integer> {
    @ParentCommand
    RunnerMain root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "Audio file (WAV; other formats need ffmpeg).")
    Path file;

    @Option(names = "--language", description = "Spoken language, e.g. en (default: detect).")
    String language;

    @Option(names = "--translate", description = "Translate to English.")
    boolean translate;

    @Option(names = "--words", description = "Word timestamps.")
    boolean words;

    @Option(names = "--model", description = "Model id (default: the engine's default).")
    String model;

    @Option(names = "--model-file", paramLabel = "FILE",
            description = "A model file on this machine (checkpoint / ggml model) for the native engines.")
    Path modelFile;

    @Option(names = "--json", description = "Print the whole transcript as JSON instead of its text.")
    boolean json;

    @Override
    public Integer call() throws ConfigException, Exception {
        if (!Files.isRegularFile(file)) {
            throw new UserError(ExitCodes.USAGE, "audio file " + file + " does not exist or is not a file");
        }
        PrintWriter console = spec.commandLine().getOut();
        SttTask task = new SttTask(file.toAbsolutePath().toUri().toString(), language, translate ? true : null, null,
                null, words ? TimestampGranularity.WORD : TimestampGranularity.SEGMENT);
        var result = (JsonResult) OneShotJob.run(root.configFile(), model, modelFile, task, console, "transcription");
        console.println(json
                ? WireJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(result.json())
                : result.json().path("text").asText());
        return ExitCodes.OK;
    }
}
