package gg.minis.studio.worker.engines.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.JsonResult;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MultiEngineTest {
    /** A second real engine: serves speech for one engine id and records what it ran. */
    static final class RecordingSpeechEngine implements Engine {
        final List<String> ran = new ArrayList<>();
        boolean closed;

        @Override
        public String id() {
            return "whisper-cpp";
        }

        @Override
        public Set<TaskKind> kinds() {
            return Set.of(TaskKind.AUDIO_STT);
        }

        @Override
        public List<String> models(TaskKind kind) {
            return kind == TaskKind.AUDIO_STT ? List.of("whisper-tiny") : List.of();
        }

        @Override
        public boolean supports(TaskKind kind, ModelSource source) {
            return kind == TaskKind.AUDIO_STT && source.engine().equals("whisper-cpp");
        }

        @Override
        public TaskResult run(JobClaim claim, ProgressListener progress, CancellationToken cancel) {
            ran.add(claim.jobId());
            return new JsonResult(JsonNodeFactory.instance.objectNode().put("text", "heard"));
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void routesByKindAndEngineIdToTheFirstThatSupportsIt() throws Exception {
        var speech = new RecordingSpeechEngine();
        var multi = MultiEngine.of(speech, SyntheticEngine.create());
        var stt = JobClaim.local("a", "whisper-tiny", SttTask.of("https://x/a.wav"), ModelSource.of("whisper-cpp"));
        var syntheticStt = JobClaim.local("b", "synthetic", SttTask.of("https://x/a.wav"), ModelSource.of("synthetic"));
        multi.run(stt, ProgressListener.NONE, CancellationToken.none());
        multi.run(syntheticStt, ProgressListener.NONE, CancellationToken.none());
        assertThat(speech.ran).containsExactly("a");
        assertThat(multi.route(TaskKind.IMAGE, ModelSource.of("synthetic"))).get()
                .extracting(Engine::id).isEqualTo("synthetic");
        assertThat(multi.id()).isEqualTo("whisper-cpp+synthetic");
        assertThat(multi.models(TaskKind.AUDIO_STT)).containsExactly("whisper-tiny", "synthetic");
        assertThat(multi.kinds()).containsExactlyInAnyOrder(TaskKind.values());
    }

    @Test
    void noEngineIsAPermanentFailureSayingWhatWasAsked() {
        var multi = MultiEngine.of(SyntheticEngine.create());
        var claim = JobClaim.local("c", "sdxl", ImageTask.of("x"), ModelSource.of("sd-cpp"));
        assertThat(multi.supports(TaskKind.IMAGE, ModelSource.of("sd-cpp"))).isFalse();
        assertThatThrownBy(() -> multi.run(claim, ProgressListener.NONE, CancellationToken.none()))
                .isInstanceOf(EngineException.class)
                .hasMessage("no engine for task kind 'image' and modelSource.engine 'sd-cpp' (this worker runs synthetic)")
                .satisfies(e -> assertThat(((EngineException) e).retryable()).isFalse());
    }

    @Test
    void closeClosesEveryEngine() {
        var speech = new RecordingSpeechEngine();
        MultiEngine.of(SyntheticEngine.create(), speech).close();
        assertThat(speech.closed).isTrue();
    }
}
