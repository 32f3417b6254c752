package gg.minis.studio.worker.runner.service;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Windows: a Scheduled Task at logon; where creating one is refused (ONLOGON tasks often need elevation), an
 * {@code HKCU\...\Run} entry, which any user may write.
 */
public final class WindowsAutostart extends ServiceManager {
    public static final String TASK = "MinisStudioWorker";
    public static final String RUN_KEY = "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";

    WindowsAutostart(ServiceEnvironment env) {
        super(env);
    }

    @Override
    public String kind() {
        return "scheduled task " + TASK + " (or Run entry " + RUN_KEY + "\\" + TASK + ")";
    }

    /** javaw.exe beside java.exe when there is one: no console window at every logon. */
    Path javaBinary() {
        Path java = env.java();
        Path javaw = java.resolveSibling("javaw.exe");
        return java.getFileName().toString().equalsIgnoreCase("java.exe") && Files.exists(javaw) ? javaw : java;
    }

    /** The command line the task (or Run entry) starts, paths quoted. */
    public String taskCommand() {
        return Quoting.windowsLine(env.workerCommand(javaBinary()));
    }

    @Override
    public ServicePlan installPlan() {
        List<String> task = List.of("schtasks", "/Create", "/TN", TASK, "/TR", taskCommand(), "/SC", "ONLOGON",
                "/RL", "LIMITED", "/F");
        List<String> run = List.of("reg", "add", RUN_KEY, "/v", TASK, "/t", "REG_SZ", "/d", taskCommand(), "/f");
        return new ServicePlan(List.of(new ServicePlan.Run(List.of(task, run), true)));
    }

    @Override
    public ServicePlan uninstallPlan() {
        return new ServicePlan(List.of(
                ServicePlan.Run.optional(List.of("schtasks", "/Delete", "/TN", TASK, "/F")),
                ServicePlan.Run.optional(List.of("reg", "delete", RUN_KEY, "/v", TASK, "/f"))));
    }

    @Override
    public Status status() {
        if (env.commands().run(List.of("schtasks", "/Query", "/TN", TASK)).ok()) {
            return new Status(true, "scheduled task " + TASK, "runs at logon");
        }
        if (env.commands().run(List.of("reg", "query", RUN_KEY, "/v", TASK)).ok()) {
            return new Status(true, RUN_KEY + "\\" + TASK, "runs at logon");
        }
        return new Status(false, "scheduled task " + TASK, "not installed");
    }
}
