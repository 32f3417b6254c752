package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.runner.config.ConfigException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate one image in-process, without a studio, with the configured engine.",
            "The file type follows --out: .png, .webp or .gif."})
final class GenerateCommand implements Callable<Integer> {
    @ParentCommand
    RunnerMain root;

    @Spec
    CommandSpec spec;

    @Option(names = "--prompt", required = true, description = "What to draw.")
    String prompt;

    @Option(names = "--negative", description = "What to avoid.")
    String negativePrompt;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the image.")
    Path out;

    @Option(names = "--model", description = "Model id (default: the engine's default).")
    String model;

    @Option(names = "--model-file", paramLabel = "FILE",
            description = "A model file on this machine (checkpoint / ggml model) for the native engines.")
    Path modelFile;

    @Option(names = "--width", description = "Width in pixels (default 512).")
    Integer width;

    @Option(names = "--height", description = "Height in pixels (default 512).")
    Integer height;

    @Option(names = "--steps", description = "Sampling steps (default 20).")
    Integer steps;

    @Option(names = "--seed", description = "Seed (default: random for real engines, 0 for synthetic).")
    Long seed;

    @Override
    public Integer call() throws ConfigException, Exception {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot < 0 || dot == name.length() - 1) {
            throw new UserError(ExitCodes.USAGE, "--out " + out + " needs a file extension (.png, .webp or .gif)");
        }
        String ext = name.substring(dot + 1).toLowerCase(Locale.ROOT);
        PrintWriter console = spec.commandLine().getOut();
        ImageTask task = new ImageTask(prompt, negativePrompt, null, null, null, null, null, null, seed, width, height,
                steps, ext);
        var result = (BinaryResult) OneShotJob.run(root.configFile(), model, modelFile, task, console, "generation");
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(out, result.bytes());
        console.println("wrote " + out + " (" + result.bytes().length + " bytes, " + result.ext() + ")");
        return ExitCodes.OK;
    }
}
