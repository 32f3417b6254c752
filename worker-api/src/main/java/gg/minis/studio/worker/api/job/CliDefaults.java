package gg.minis.studio.worker.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/** Per-model defaults the studio publishes; per-job values override them. Every field may be absent. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CliDefaults(
        Double cfgScale,
        Integer steps,
        Integer width,
        Integer height,
        String samplingMethod,
        Double flowShift,
        Boolean zeroCondT,
        Boolean offloadToCpu,
        Integer contextSize,
        JsonNode chatTemplateKwargs) {

    public static final CliDefaults NONE = new CliDefaults(null, null, null, null, null, null, null, null, null, null);
}
