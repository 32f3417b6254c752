package gg.minis.studio.worker.runner.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.ChatMessage;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.LlmTask;
import gg.minis.studio.worker.runner.logging.LogShipper;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
    private static final String TOKEN = "tok_0123456789abcdef";

    private final Redactor redactor = redactor();

    private static Redactor redactor() {
        LogShipper shipper = new LogShipper(4);
        shipper.addSecret(TOKEN);
        return new Redactor(shipper::scrub);
    }

    @Test
    void jsonFieldsLoseTheirValuesWhateverTheirShape() {
        String json = "body {\"prompt\": \"a castle \\\"at\\\" dusk\", \"steps\": 20, "
                + "\"messages\": [{\"role\": \"user\","
                + " \"content\": \"hi [there]\"}], \"text\":\"say this\", \"auth_token\": \"zzz\"} end";
        assertThat(redactor.redact(json)).isEqualTo("body {\"prompt\": \"<redacted>\", \"steps\": 20, \"messages\": "
                + "\"<redacted>\", \"text\":\"<redacted>\", \"auth_token\": \"<redacted>\"} end");
    }

    @Test
    void recordStyleAndColonStyleFieldsToo() {
        assertThat(redactor.redact("ImageTask[prompt=a cat, on a mat, negativePrompt=dogs, width=512]"))
                .isEqualTo("ImageTask[prompt=<redacted>, negativePrompt=<redacted>, width=512]");
        assertThat(redactor.redact("LlmTask[messages=[ChatMessage[role=user, content=hello]], maxTokens=5]"))
                .isEqualTo("LlmTask[messages=<redacted>, maxTokens=5]");
        assertThat(redactor.redact("bad request\nprompt: tell me a secret\nstatus: 400"))
                .isEqualTo("bad request\nprompt: <redacted>\nstatus: 400");
    }

    @Test
    void credentialsGoByValueAndByShape() {
        assertThat(redactor.redact("connect failed with " + TOKEN)).isEqualTo("connect failed with <redacted>");
        assertThat(redactor.redact("Authorization: Bearer abc.def-ghi")).doesNotContain("abc.def-ghi");
        assertThat(redactor.redact("sent Bearer abc.def-ghi to x")).isEqualTo("sent Bearer <redacted> to x");
    }

    @Test
    void rememberedJobTextsGoWhereverTheyAppear() {
        JobClaim image = JobClaim.local("j1", "m", ImageTask.of("a lighthouse in fog"), ModelSource.of("synthetic"));
        JobClaim llm = JobClaim.local("j2", "m", new LlmTask(List.of(new ChatMessage("user", "what is my password")),
                "be terse", null, null, null, null, null, null, null), ModelSource.of("synthetic"));
        redactor.remember(image);
        redactor.remember(llm);
        assertThat(redactor.redact("engine choked on 'a lighthouse in fog' (what is my password / be terse)"))
                .isEqualTo("engine choked on '<redacted>' (<redacted> / <redacted>)");
    }

    @Test
    void plainTextPassesUntouched() {
        assertThat(redactor.redact("out of memory: 12 GiB needed")).isEqualTo("out of memory: 12 GiB needed");
        assertThat(redactor.redact(null)).isNull();
    }
}
