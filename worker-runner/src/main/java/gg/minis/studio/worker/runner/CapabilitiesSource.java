package gg.minis.studio.worker.runner;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.runner.host.HostProbe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds the capabilities sent with registration, {@code hello} and every heartbeat. Host facts are probed once;
 * the engine's kinds and models are read each time, so a model that became resident shows up in the next heartbeat.
 */
public final class CapabilitiesSource implements Supplier<WorkerCapabilities> {
    private final Engine engine;
    private final String machineName;
    private final String username;
    private final double vramTotalGb;
    private final double vramThresholdGb;
    private final boolean autoStart;

    public CapabilitiesSource(Engine engine, String machineName, String username, double vramTotalGb,
            double vramThresholdGb, boolean autoStart) {
        this.engine = engine;
        this.machineName = machineName;
        this.username = username;
        this.vramTotalGb = vramTotalGb;
        this.vramThresholdGb = vramThresholdGb;
        this.autoStart = autoStart;
    }

    /** Probes this machine (host name, user, nvidia-smi). */
    public static CapabilitiesSource probe(Engine engine, double vramThresholdGb, boolean autoStart) {
        return new CapabilitiesSource(engine, HostProbe.machineName(), HostProbe.userName(), HostProbe.totalVramGb(),
                vramThresholdGb, autoStart);
    }

    @Override
    public WorkerCapabilities get() {
        List<TaskKind> kinds = new ArrayList<>(engine.kinds());
        kinds.sort(null);
        Map<TaskKind, List<String>> perKind = new LinkedHashMap<>();
        for (TaskKind kind : kinds) {
            perKind.put(kind, engine.models(kind));
        }
        // Old studios only read supportedModels, which means image models.
        List<String> imageModels = perKind.getOrDefault(TaskKind.IMAGE, List.of());
        return new WorkerCapabilities(machineName, username, Version.current(), engine.id(), vramTotalGb,
                vramThresholdGb, true, autoStart, imageModels, kinds, perKind);
    }
}
