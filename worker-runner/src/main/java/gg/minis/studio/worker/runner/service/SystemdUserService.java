package gg.minis.studio.worker.runner.service;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Linux: a systemd user unit, so the worker runs while the user's session manager does, without root. */
public final class SystemdUserService extends ServiceManager {
    public static final String UNIT = "minis-studio-worker.service";

    SystemdUserService(ServiceEnvironment env) {
        super(env);
    }

    @Override
    public String kind() {
        return "systemd user service " + UNIT;
    }

    /** {@code $XDG_CONFIG_HOME/systemd/user} (systemd's own rule), else {@code ~/.config/systemd/user}. */
    public Path unitFile() {
        String xdg = env.env().get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : env.home().resolve(".config");
        return base.resolve("systemd").resolve("user").resolve(UNIT);
    }

    public String unitText() {
        String execStart = env.workerCommand(env.java()).stream().map(Quoting::systemd)
                .collect(Collectors.joining(" "));
        return """
                # Written by 'runner service install'; 'runner service uninstall' removes it.
                [Unit]
                Description=minis.gg studio worker

                [Service]
                Type=simple
                ExecStart=%s
                Restart=on-failure
                RestartSec=10
                # Exit codes a restart cannot fix: bad command line or config, credentials or registration refused.
                RestartPreventExitStatus=2 3 4 6

                [Install]
                WantedBy=default.target
                """.formatted(execStart);
    }

    @Override
    public ServicePlan installPlan() {
        return new ServicePlan(List.of(
                new ServicePlan.WriteFile(unitFile(), unitText()),
                ServicePlan.Run.required(systemctl("daemon-reload")),
                ServicePlan.Run.required(systemctl("enable", "--now", UNIT))));
    }

    @Override
    public ServicePlan uninstallPlan() {
        return new ServicePlan(List.of(
                ServicePlan.Run.optional(systemctl("disable", "--now", UNIT)),
                new ServicePlan.DeleteFile(unitFile()),
                ServicePlan.Run.optional(systemctl("daemon-reload"))));
    }

    @Override
    public Status status() {
        if (!Files.exists(unitFile())) {
            return new Status(false, unitFile().toString(), "not installed");
        }
        // is-active prints the state (active, inactive, failed, ...) and exits non-zero for all but active.
        CommandRunner.Result r = env.commands().run(systemctl("is-active", UNIT));
        String state = r.output().isBlank() ? "unknown (systemctl exit " + r.exitCode() + ")" : r.output().strip();
        return new Status(true, unitFile().toString(), state);
    }

    private static List<String> systemctl(String... args) {
        return Stream.concat(Stream.of("systemctl", "--user"), Arrays.stream(args)).toList();
    }
}
