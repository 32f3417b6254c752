package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.demo.DemoRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run a worker against an embedded local studio on loopback: the whole protocol",
            "(registration, WebSocket session, offers, uploads) on the synthetic engine, no network needed.",
            "Writes every result into the output folder and prints a summary."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--jobs", defaultValue = "27", description = "How many jobs (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--out", defaultValue = "demo-output", paramLabel = "DIR",
            description = "Folder for the results (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS",
            description = "Give up on jobs not finished after this long (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (jobs < 1 || jobs > 100_000) {
            throw new UserError(ExitCodes.USAGE, "--jobs must be 1..100000, got " + jobs);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserError(ExitCodes.USAGE, "--out " + out + " exists and is not a folder");
        }
        Path state = Files.createTempDirectory("studio-worker-demo");
        try (Engine engine = SyntheticEngine.create()) {
            DemoRun.Summary summary = new DemoRun(engine, jobs, out, state, Duration.ofSeconds(timeoutSeconds),
                    spec.commandLine().getOut()).run();
            return summary.completed() == summary.jobs() ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }
}
