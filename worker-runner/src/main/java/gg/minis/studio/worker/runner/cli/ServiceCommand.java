package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.runner.Launch;
import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.service.ServiceEnvironment;
import gg.minis.studio.worker.runner.service.ServiceManager;
import gg.minis.studio.worker.runner.service.ServicePlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "service", mixinStandardHelpOptions = true,
        description = {"Start the worker at login: a systemd user service (Linux), a LaunchAgent (macOS),",
            "a logon Scheduled Task or Run entry (Windows)."},
        subcommands = {ServiceCommand.Install.class, ServiceCommand.Uninstall.class, ServiceCommand.Status.class})
final class ServiceCommand implements Runnable {
    /** Test seam: (runner jar, config) -> environment; tests swap in a temp home and recorded commands. */
    static volatile BiFunction<Path, Path, ServiceEnvironment> environment = ServiceEnvironment::current;

    @ParentCommand
    RunnerMain root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The manager for this OS; {@code jar} is only needed to install (uninstall and status go by name). */
    ServiceManager manager(Path jar) {
        Path runnerJar = jar != null ? jar : Launch.runnerJar().orElse(Path.of("runner.jar"));
        ServiceEnvironment env = environment.apply(runnerJar, root.configFile());
        return ServiceManager.forEnvironment(env).orElseThrow(() -> new UserError(ExitCodes.UNSUPPORTED,
                "autostart is not supported on " + env.osName() + "; start 'runner run' from your own init system"));
    }

    abstract static class Action implements Callable<Integer> {
        @ParentCommand
        ServiceCommand parent;

        @Spec
        CommandSpec spec;

        @Option(names = "--dry-run", description = "Print the file it would write and the commands it would run.")
        boolean dryRun;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** Carries out (or, with --dry-run, prints) the plan; then sets auto_start to {@code autoStart}. */
        int apply(ServiceManager manager, ServicePlan plan, boolean autoStart, String done) throws ConfigException {
            if (dryRun) {
                out().print(manager.describe(plan));
                out().println("would set auto_start = " + autoStart + " in " + parent.root.configFile());
                return ExitCodes.OK;
            }
            ServiceManager.Outcome outcome;
            try {
                outcome = manager.execute(plan);
            } catch (IOException e) {
                throw new UserError(ExitCodes.FAILURE, "cannot change the " + manager.kind() + ": " + e);
            }
            ConfigStore store = new ConfigStore(parent.root.configFile());
            store.loadOrCreate();
            store.set("auto_start", Boolean.toString(autoStart));
            if (!outcome.ok()) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("runner: some commands failed; run them by hand:");
                outcome.failedCommands().forEach(c -> err.println("  " + c));
                return ExitCodes.FAILURE;
            }
            out().println(done);
            return ExitCodes.OK;
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Install and start the autostart entry; sets auto_start = true.")
    static final class Install extends Action {
        @Option(names = "--jar", paramLabel = "PATH",
                description = "The runner jar the service starts (default: the jar this command runs from).")
        Path jar;

        @Override
        public Integer call() throws ConfigException {
            if (jar == null && Launch.runnerJar().isEmpty()) {
                throw new UserError(ExitCodes.USAGE,
                        "not running from the runner jar; name the jar the service should start with --jar PATH");
            }
            ServiceManager manager = parent.manager(jar);
            if (!dryRun && !Files.isRegularFile(manager.environment().runnerJar())) {
                throw new UserError(ExitCodes.USAGE, "no runner jar at " + manager.environment().runnerJar());
            }
            return apply(manager, manager.installPlan(), true, "installed " + manager.kind());
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true,
            description = "Stop and remove the autostart entry; sets auto_start = false.")
    static final class Uninstall extends Action {
        @Override
        public Integer call() throws ConfigException {
            ServiceManager manager = parent.manager(null);
            return apply(manager, manager.uninstallPlan(), false, "removed " + manager.kind());
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Is the autostart entry installed?")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        ServiceCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ServiceManager manager = parent.manager(null);
            ServiceManager.Status status = manager.status();
            spec.commandLine().getOut().println(status.installed()
                    ? "installed: " + status.where() + " (" + status.state() + ")"
                    : "not installed (" + manager.kind() + "; 'runner service install' adds it)");
            return ExitCodes.OK;
        }
    }
}
