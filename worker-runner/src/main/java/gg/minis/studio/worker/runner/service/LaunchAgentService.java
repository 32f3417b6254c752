package gg.minis.studio.worker.runner.service;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** macOS: a per-user LaunchAgent, started at login and again after a crash. */
public final class LaunchAgentService extends ServiceManager {
    public static final String LABEL = "gg.minis.studio-worker";

    LaunchAgentService(ServiceEnvironment env) {
        super(env);
    }

    @Override
    public String kind() {
        return "launchd agent " + LABEL;
    }

    public Path plistFile() {
        return env.home().resolve("Library").resolve("LaunchAgents").resolve(LABEL + ".plist");
    }

    public String plistText() {
        String args = env.workerCommand(env.java()).stream()
                .map(a -> "        <string>" + Quoting.xml(a) + "</string>")
                .collect(Collectors.joining("\n"));
        Path log = env.config().getParent().resolve("logs").resolve("service.log");
        // KeepAlive/SuccessfulExit=false: restart after a crash, not after a clean stop.
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
                <!-- Written by 'runner service install'; 'runner service uninstall' removes it. -->
                <plist version="1.0">
                <dict>
                    <key>Label</key>
                    <string>%s</string>
                    <key>ProgramArguments</key>
                    <array>
                %s
                    </array>
                    <key>RunAtLoad</key>
                    <true/>
                    <key>KeepAlive</key>
                    <dict>
                        <key>SuccessfulExit</key>
                        <false/>
                    </dict>
                    <key>ThrottleInterval</key>
                    <integer>30</integer>
                    <key>StandardOutPath</key>
                    <string>%s</string>
                    <key>StandardErrorPath</key>
                    <string>%s</string>
                </dict>
                </plist>
                """.formatted(LABEL, args, Quoting.xml(log.toString()), Quoting.xml(log.toString()));
    }

    @Override
    public ServicePlan installPlan() {
        return new ServicePlan(List.of(
                // A loaded agent keeps its old definition; unload first so a reinstall takes effect.
                ServicePlan.Run.optional(List.of("launchctl", "unload", plistFile().toString())),
                new ServicePlan.WriteFile(plistFile(), plistText()),
                ServicePlan.Run.required(List.of("launchctl", "load", "-w", plistFile().toString()))));
    }

    @Override
    public ServicePlan uninstallPlan() {
        return new ServicePlan(List.of(
                ServicePlan.Run.optional(List.of("launchctl", "unload", "-w", plistFile().toString())),
                new ServicePlan.DeleteFile(plistFile())));
    }

    @Override
    public Status status() {
        if (!Files.exists(plistFile())) {
            return new Status(false, plistFile().toString(), "not installed");
        }
        boolean loaded = env.commands().run(List.of("launchctl", "list", LABEL)).ok();
        return new Status(true, plistFile().toString(), loaded ? "loaded" : "not loaded");
    }
}
