package gg.minis.studio.worker.api.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** What a model file is for. Wire names are kebab-case. */
public enum ModelFileRole {
    DIFFUSION_MODEL("diffusion-model"),
    TEXT_ENCODER("text-encoder"),
    TEXT_ENCODER_VISION("text-encoder-vision"),
    VAE("vae"),
    LORA("lora"),
    MODEL("model");

    private final String wireName;

    ModelFileRole(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static ModelFileRole fromWire(String name) {
        for (ModelFileRole role : values()) {
            if (role.wireName.equals(name)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown model file role '" + name + "' (expected one of "
                + Arrays.stream(values()).map(ModelFileRole::wireName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return wireName;
    }
}
