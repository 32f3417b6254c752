package gg.minis.studio.worker.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import gg.minis.studio.worker.api.task.TaskKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What this worker can do, sent in registration, {@code hello} and every {@code heartbeat}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkerCapabilities(
        String machineName,
        String username,
        String agentVersion,
        String engine,
        double vramTotalGb,
        double vramThresholdGb,
        boolean autoEnabled,
        boolean autoStart,
        List<String> supportedModels,
        List<TaskKind> taskKinds,
        Map<TaskKind, List<String>> supportedModelsPerKind) {

    public WorkerCapabilities {
        supportedModels = supportedModels == null ? List.of() : List.copyOf(supportedModels);
        taskKinds = taskKinds == null ? List.of() : List.copyOf(taskKinds);
        // Keep insertion order so the JSON is stable from one heartbeat to the next.
        supportedModelsPerKind = supportedModelsPerKind == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(supportedModelsPerKind));
    }

    /** The same capabilities with {@code autoEnabled} changed (false while paused). */
    public WorkerCapabilities withAutoEnabled(boolean enabled) {
        return new WorkerCapabilities(machineName, username, agentVersion, engine, vramTotalGb, vramThresholdGb,
                enabled, autoStart, supportedModels, taskKinds, supportedModelsPerKind);
    }
}
