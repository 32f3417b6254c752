package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.runner.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the worker's version.")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("studio-worker-java " + Version.current() + " (Java "
                + Runtime.version() + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")");
        return ExitCodes.OK;
    }
}
