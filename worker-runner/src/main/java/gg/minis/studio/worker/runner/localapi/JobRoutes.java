package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.JsonResult;
import gg.minis.studio.worker.api.job.MediaTypes;
import gg.minis.studio.worker.api.protocol.MissingFieldException;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.Task;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.api.task.TimestampGranularity;
import gg.minis.studio.worker.api.task.TtsTask;
import gg.minis.studio.worker.runner.catalog.CatalogResolver;
import gg.minis.studio.worker.runner.daemon.Daemon;
import gg.minis.studio.worker.runner.daemon.LocalJobs;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;

/**
 * The job routes: {@code POST /image}, {@code /stt}, {@code /tts} and the OpenAI-compatible
 * {@code POST /v1/chat/completions}, plus OpenAI's model list ({@code GET /v1/models}; {@code GET /models} is
 * {@link ModelRoutes}'). A {@code model} field may name a catalog id (it runs from that entry's source). Jobs run
 * through the worker's engine under the shared job gate: a busy engine answers 503 with {@code Retry-After}.
 */
final class JobRoutes implements Router.Routes {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final List<String> IMAGE_EXTS = List.of("png", "webp", "gif");
    static final List<String> AUDIO_EXTS = List.of("wav", "mp3");

    private final Daemon daemon;
    private final int retryAfterSeconds;

    JobRoutes(Daemon daemon, int retryAfterSeconds) {
        this.daemon = daemon;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public void register(Router router) {
        router.post("/image", this::image)
                .post("/stt", this::stt)
                .post("/tts", this::tts)
                .post("/v1/chat/completions", this::chat)
                .get("/v1/models", this::openAiModels); // GET /models: ModelRoutes
    }

    private ApiResponse image(ApiRequest request) throws Exception {
        Fields f = new Fields(request.jsonObject());
        String prompt = f.requiredText("prompt");
        ImageTask task = new ImageTask(prompt, f.text("negativePrompt"), null, null, null, null,
                f.number("cfgScale", 0, 100), f.text("samplingMethod"), f.longValue("seed"),
                f.integer("width", 8, 4096), f.integer("height", 8, 4096), f.integer("steps", 1, 1000),
                f.choice("ext", IMAGE_EXTS));
        return binary(run(task, f.text("model")));
    }

    private ApiResponse tts(ApiRequest request) throws Exception {
        Fields f = new Fields(request.jsonObject());
        String text = f.requiredText("text");
        TtsTask task = new TtsTask(text, f.text("voice"), f.number("speed", 0.25, 4.0), f.text("language"),
                f.choice("ext", AUDIO_EXTS));
        return binary(run(task, f.text("model")));
    }

    private ApiResponse stt(ApiRequest request) throws Exception {
        Fields f = new Fields(request.jsonObject());
        String inputUrl = f.requiredText("inputUrl");
        if (!isHttpUrl(inputUrl)) {
            throw Fields.invalid("inputUrl", "must be an http or https URL", f.node("inputUrl"));
        }
        String timestamps = f.choice("timestamps", List.of("segment", "word"));
        SttTask task;
        try {
            task = new SttTask(inputUrl, f.text("language"), f.bool("translate"), f.text("prompt"), f.bool("vad"),
                    timestamps == null ? null : TimestampGranularity.fromWire(timestamps));
        } catch (MissingFieldException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        LocalJobs.Done done = run(task, f.text("model"));
        if (!(done.result() instanceof JsonResult json)) {
            throw new ApiException(500, ErrorCodes.INTERNAL_ERROR, "the engine returned " + done.result()
                    + " for a transcript");
        }
        return new ApiResponse.Json(200, json.json(), jobHeaders(done));
    }

    private ApiResponse chat(ApiRequest request) throws Exception {
        ChatCompletions.Request chat = ChatCompletions.parse(request.jsonObject());
        LocalJobs.Done done = run(chat.task(), chat.model());
        if (!(done.result() instanceof JsonResult json)) {
            throw new ApiException(500, ErrorCodes.INTERNAL_ERROR, "the engine returned " + done.result()
                    + " for a chat completion");
        }
        ObjectNode completion = ChatCompletions.response(json.json(), done.jobId(), done.model());
        if (chat.stream()) {
            return new ApiResponse.EventStream(ChatCompletions.chunks(completion, chat.includeUsage()),
                    jobHeaders(done));
        }
        return new ApiResponse.Json(200, completion, jobHeaders(done));
    }

    /** OpenAI's model list, for clients that read it before chatting: the llm models. */
    private ApiResponse openAiModels(ApiRequest request) {
        ObjectNode body = JSON.objectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        for (String id : daemon.localJobs().models().models(TaskKind.LLM)) {
            data.addObject().put("id", id).put("object", "model").put("created", 0).put("owned_by",
                    "studio-worker");
        }
        return ApiResponse.ok(body);
    }

    // ---- running ----

    private LocalJobs.Done run(Task task, String model) throws ApiException, EngineException {
        try {
            return daemon.localJobs().run(task, model);
        } catch (LocalJobs.Busy e) {
            throw ApiException.busy(e.getMessage(), retryAfterSeconds);
        } catch (LocalJobs.UnknownModel e) {
            String why = daemon.localJobs().models() instanceof CatalogResolver catalog
                    ? catalog.refusal(task.kind(), model) : null;
            throw new ApiException(400, ErrorCodes.UNKNOWN_MODEL, "field 'model': "
                    + (why != null ? why : e.getMessage()));
        }
    }

    private static ApiResponse binary(LocalJobs.Done done) throws ApiException {
        if (!(done.result() instanceof BinaryResult bytes)) {
            throw new ApiException(500, ErrorCodes.INTERNAL_ERROR, "the engine returned " + done.result()
                    + " where a file was expected");
        }
        return ApiResponse.bytes(MediaTypes.forExtension(bytes.ext()), bytes.bytes(), jobHeaders(done));
    }

    private static Map<String, String> jobHeaders(LocalJobs.Done done) {
        return Map.of("X-Job-Id", done.jobId(), "X-Model", done.model());
    }

    private static boolean isHttpUrl(String s) {
        try {
            URI uri = new URI(s);
            return ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
