package gg.minis.studio.worker.api.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gg.minis.studio.worker.api.registration.RegistrationStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Bad input gets one line naming the field (as a JSON path) and the value. */
class WireJsonRejectionTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "offer without task      | {\"type\":\"offer\",\"claim\":{\"jobId\":\"j\",\"modelSource\":{\"engine\":\"synthetic\"}}} | invalid studio frame: missing required field 'claim.task'",
        "offer without source    | {\"type\":\"offer\",\"claim\":{\"jobId\":\"j\",\"task\":{\"kind\":\"image\",\"prompt\":\"p\"}}} | invalid studio frame: missing required field 'claim.modelSource'",
        "offer without claim     | {\"type\":\"offer\"} | invalid studio frame: missing required field 'claim'",
        "offer without jobId     | {\"type\":\"offer\",\"claim\":{\"task\":{\"kind\":\"image\",\"prompt\":\"p\"},\"modelSource\":{\"engine\":\"x\"}}} | invalid studio frame: missing required field 'claim.jobId'",
        "unknown task kind       | {\"type\":\"offer\",\"claim\":{\"jobId\":\"j\",\"task\":{\"kind\":\"music\"},\"modelSource\":{\"engine\":\"x\"}}} | invalid studio frame: unknown claim.task.kind 'music'",
        "task without kind       | {\"type\":\"offer\",\"claim\":{\"jobId\":\"j\",\"task\":{\"prompt\":\"p\"},\"modelSource\":{\"engine\":\"x\"}}} | invalid studio frame: missing required field 'claim.task.kind'",
        "image without prompt    | {\"type\":\"offer\",\"claim\":{\"jobId\":\"j\",\"task\":{\"kind\":\"image\"},\"modelSource\":{\"engine\":\"x\"}}} | invalid studio frame: missing required field 'claim.task.prompt'",
        "source without engine   | {\"type\":\"offer\",\"claim\":{\"jobId\":\"j\",\"task\":{\"kind\":\"image\",\"prompt\":\"p\"},\"modelSource\":{}}} | invalid studio frame: missing required field 'claim.modelSource.engine'",
        "file with unknown role  | {\"type\":\"offer\",\"claim\":{\"jobId\":\"j\",\"task\":{\"kind\":\"image\",\"prompt\":\"p\"},\"modelSource\":{\"engine\":\"x\",\"files\":[{\"role\":\"weights\",\"url\":\"u\",\"filename\":\"f\"}]}}} | invalid studio frame: field 'claim.modelSource.files[0].role': unknown model file role 'weights' (expected one of diffusion-model, text-encoder, text-encoder-vision, vae, lora, model)",
        "bad timestamps          | {\"type\":\"offer\",\"claim\":{\"jobId\":\"j\",\"task\":{\"kind\":\"audio_stt\",\"inputUrl\":\"u\",\"timestamps\":\"char\"},\"modelSource\":{\"engine\":\"x\"}}} | invalid studio frame: field 'claim.task.timestamps': unknown timestamps 'char' (expected segment or word)",
        "unknown frame type      | {\"type\":\"party\"} | invalid studio frame: unknown type 'party'",
        "frame without type      | {\"jobId\":\"j\"} | invalid studio frame: missing required field 'type'",
        "welcome without worker  | {\"type\":\"welcome\"} | invalid studio frame: missing required field 'workerId'",
        "completeAck without job | {\"type\":\"completeAck\"} | invalid studio frame: missing required field 'jobId'",
        "wrong value type        | {\"type\":\"offer\",\"claim\":{\"jobId\":\"j\",\"vramGbEstimate\":\"lots\",\"task\":{\"kind\":\"image\",\"prompt\":\"p\"},\"modelSource\":{\"engine\":\"x\"}}} | invalid studio frame: field 'claim.vramGbEstimate':",
    })
    void rejectsWithOneLineNamingTheField(String what, String json, String expected) {
        assertThatThrownBy(() -> WireJson.decodeStudioFrame(json))
                .isInstanceOf(ProtocolException.class)
                .hasMessageStartingWith(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void notJsonIsSaidPlainly() {
        assertThatThrownBy(() -> WireJson.decodeStudioFrame("{nope"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageStartingWith("invalid studio frame: not JSON");
    }

    @Test
    void registrationStatusIsTaggedByStatus() throws Exception {
        assertThat(WireJson.decode("{\"status\":\"pending\"}", RegistrationStatus.class, "poll"))
                .isInstanceOf(RegistrationStatus.Pending.class);
        assertThat(WireJson.decode("{\"status\":\"approved\",\"workerId\":\"w\",\"authToken\":\"t\"}",
                RegistrationStatus.class, "poll")).isEqualTo(new RegistrationStatus.Approved("w", "t"));
        assertThat(WireJson.decode("{\"status\":\"rejected\"}", RegistrationStatus.class, "poll"))
                .isEqualTo(new RegistrationStatus.Rejected(null));
        assertThatThrownBy(() -> WireJson.decode("{\"status\":\"approved\",\"workerId\":\"w\"}",
                RegistrationStatus.class, "poll"))
                .hasMessage("invalid poll: missing required field 'authToken'");
    }
}
