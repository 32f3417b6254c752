package gg.minis.studio.worker.runner.service;

import gg.minis.studio.worker.runner.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the worker at login: one implementation per OS, each a plan of files and commands. */
public abstract sealed class ServiceManager permits SystemdUserService, LaunchAgentService, WindowsAutostart {
    private static final Logger log = LoggerFactory.getLogger(ServiceManager.class);

    protected final ServiceEnvironment env;

    protected ServiceManager(ServiceEnvironment env) {
        this.env = env;
    }

    public ServiceEnvironment environment() {
        return env;
    }

    /** The manager for {@code env}'s OS; empty where the worker knows no autostart mechanism. */
    public static Optional<ServiceManager> forEnvironment(ServiceEnvironment env) {
        String os = env.osName().toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            return Optional.of(new SystemdUserService(env));
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return Optional.of(new LaunchAgentService(env));
        }
        if (os.startsWith("windows")) {
            return Optional.of(new WindowsAutostart(env));
        }
        return Optional.empty();
    }

    /** What it installs, for messages: "systemd user service", ... */
    public abstract String kind();

    public abstract ServicePlan installPlan();

    public abstract ServicePlan uninstallPlan();

    public abstract Status status();

    /** Installed or not, where, and what the OS says about it (active, loaded, ...). */
    public record Status(boolean installed, String where, String state) {}

    /** Required commands that failed: the user should run them by hand. */
    public record Outcome(List<String> failedCommands) {
        public boolean ok() {
            return failedCommands.isEmpty();
        }
    }

    /** Carries out {@code plan}; a file that cannot be written stops it (IOException), a failing command does not. */
    public Outcome execute(ServicePlan plan) throws IOException {
        List<String> failed = new ArrayList<>();
        for (ServicePlan.Step step : plan.steps()) {
            switch (step) {
                // Temp file + rename: a half-written unit is never picked up by the OS.
                case ServicePlan.WriteFile w ->
                        AtomicFiles.write(w.file(), w.content().getBytes(StandardCharsets.UTF_8));
                case ServicePlan.DeleteFile d -> Files.deleteIfExists(d.file());
                case ServicePlan.Run run -> {
                    boolean done = false;
                    for (List<String> command : run.alternatives()) {
                        CommandRunner.Result result = env.commands().run(command);
                        log.debug("ran {}: exit {}: {}", command, result.exitCode(), result.output());
                        if (result.ok()) {
                            done = true;
                            break;
                        }
                    }
                    if (!done && run.required()) {
                        failed.add(commandLine(run.alternatives().getFirst()));
                    }
                }
            }
        }
        return new Outcome(List.copyOf(failed));
    }

    /** The plan as {@code --dry-run} prints it: files with their full text, then commands as one would type them. */
    public String describe(ServicePlan plan) {
        StringBuilder sb = new StringBuilder();
        for (ServicePlan.Step step : plan.steps()) {
            switch (step) {
                case ServicePlan.WriteFile w -> sb.append("would write ").append(w.file()).append(":\n")
                        .append(w.content().indent(4));
                case ServicePlan.DeleteFile d -> sb.append("would delete ").append(d.file()).append('\n');
                case ServicePlan.Run run -> {
                    sb.append("would run: ").append(commandLine(run.alternatives().getFirst()));
                    sb.append(run.required() ? "" : "  (a failure is fine)").append('\n');
                    for (List<String> alt : run.alternatives().subList(1, run.alternatives().size())) {
                        sb.append("  or, if that fails: ").append(commandLine(alt)).append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    /** A command as the user would type it in this OS's shell. */
    public String commandLine(List<String> command) {
        Function<List<String>, String> line = this instanceof WindowsAutostart
                ? Quoting::windowsLine : Quoting::posixLine;
        return line.apply(command);
    }
}
