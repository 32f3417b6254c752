package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.runner.Launch;
import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.service.Quoting;
import gg.minis.studio.worker.runner.update.UpdateCheck;
import gg.minis.studio.worker.runner.update.UpdateCheckResult;
import gg.minis.studio.worker.runner.update.UpdateDownloader;
import gg.minis.studio.worker.runner.update.UpdateException;
import gg.minis.studio.worker.runner.update.UpdateInfo;
import gg.minis.studio.worker.runner.update.UpdateStateFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "update", mixinStandardHelpOptions = true,
        description = {"Look for a newer release in auto_update_feed; download and verify its runner jar.",
            "The jar is staged in updates/<version>/ next to the config; replacing the jar you run stays your step."})
final class UpdateCommand implements Callable<Integer> {
    @ParentCommand
    RunnerMain root;

    @Spec
    CommandSpec spec;

    @Option(names = "--check", description = "Only compare the running version with the newest release.")
    boolean check;

    @Option(names = "--insecure-skip-verify",
            description = "Download even when the release publishes no SHA-256 (a mismatch is still refused).")
    boolean insecureSkipVerify;

    @Override
    public Integer call() throws ConfigException {
        PrintWriter out = spec.commandLine().getOut();
        WorkerConfig config = new ConfigStore(root.configFile()).loadOrCreate();
        UpdateCheck updateCheck = UpdateCheck.of(config);
        UpdateCheckResult result = updateCheck.run();
        new UpdateStateFile(WorkerFiles.updateState(root.configFile())).write(result);
        if (result.outcome() == UpdateCheckResult.Outcome.FAILED) {
            throw new UserError(ExitCodes.FAILURE, result.summary());
        }
        if (check || !result.available()) {
            out.println(result.summary());
            return ExitCodes.OK;
        }
        UpdateInfo update = result.update();
        out.println("downloading " + update.asset().name() + " of release " + update.tag() + " ...");
        Path jar;
        try {
            jar = new UpdateDownloader().download(update, WorkerFiles.updates(root.configFile()), insecureSkipVerify);
        } catch (UpdateException e) {
            throw new UserError(ExitCodes.FAILURE, "update failed: " + e.getMessage());
        }
        out.println(update.checksum() != null ? "verified against " + update.checksum().name()
                : "NOT verified: the release publishes no checksum (--insecure-skip-verify)");
        out.println("staged: " + jar);
        out.println("to switch to " + update.version() + ": stop the worker, replace your jar, start it again:");
        out.println("  " + replaceCommand(jar));
        return ExitCodes.OK;
    }

    /** The copy the user runs; the running jar when known, else a placeholder to fill in. */
    private static String replaceCommand(Path staged) {
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        String target = Launch.runnerJar().map(Path::toString).orElse(null);
        if (windows) {
            return Quoting.windowsLine(List.of("copy", "/Y", staged.toString()))
                    + " " + (target == null ? "<path of your runner.jar>" : Quoting.windows(target));
        }
        return Quoting.posixLine(List.of("cp", staged.toString()))
                + " " + (target == null ? "<path of your runner.jar>" : Quoting.posix(target));
    }
}
