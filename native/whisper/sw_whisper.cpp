// sw_whisper: studio_worker.h speech backend over an INSTALLED whisper.cpp (include/whisper.h).
//
// Written against the public whisper.h API only; it never calls ggml_* functions (it only names the
// ggml_log_level values whisper_log_set hands to its callback).
//
//  - Cancellation: the caller's flag is checked on entry, by the encoder-begin callback and by whisper's
//    abort callback, which ggml polls during graph computation, so a cancel stops even a long encoder pass.
//  - Progress: whisper.cpp reports percentages, so this backend reports total = 100 and step = percent;
//    values are strictly increasing (some may be skipped) and the last report of a successful call is 100/100.
//  - Logging: whisper_log_set is process-wide; lines are forwarded to the sw log callback, and the error lines
//    of the running open/transcribe call are kept to explain a failure (whisper's last line is usually a generic
//    "failed to load model"; the first one says why). Without an sw log callback, whisper's warnings and errors
//    go to stderr.
//  - Model files without any tensor (e.g. cut off inside the vocabulary) are accepted by whisper.cpp as an
//    "empty model for testing" with uninitialised weights; sw_stt_open refuses them (SW_ERR_MODEL_LOAD).
//  - C++ exceptions thrown by whisper.cpp (e.g. std::out_of_range for an incompatible vocabulary) never cross
//    the C ABI: they become SW_ERR_BACKEND / SW_ERR_MODEL_LOAD / SW_ERR_OUT_OF_MEMORY.
//  - Times: whisper.cpp reports segment and token times on its 30 s window grid, which may run past the end of
//    the audio; they are clamped to [0, audio duration].
//  - Word timestamps: whisper tokens are merged into words (a token starting with a space starts a new word);
//    a word's p is the mean of its tokens' probabilities.
#define SW_BUILDING_BACKEND 1
#include "studio_worker.h"
#include "sw_common.hpp"

#include <whisper.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

struct sw_stt_ctx {
    whisper_context* w = nullptr;
    int32_t n_threads = 0;
};

namespace {

constexpr const char* kName = "sw_whisper";

std::mutex g_error_mutex;
std::vector<std::string> g_errors;  // ERROR lines since the last reset_errors(), guarded by g_error_mutex
bool g_no_tensors = false;          // whisper said "no tensors loaded" since the last reset_errors()
std::once_flag g_hooks_once;
bool g_have_sink = false;  // guarded by g_error_mutex

void on_log(enum ggml_log_level level, const char* text, void*) {
    if (!text) return;
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.empty()) return;
    int32_t sw_level = SW_LOG_INFO;
    switch (level) {
        case GGML_LOG_LEVEL_DEBUG: sw_level = SW_LOG_DEBUG; break;
        case GGML_LOG_LEVEL_WARN: sw_level = SW_LOG_WARN; break;
        case GGML_LOG_LEVEL_ERROR: sw_level = SW_LOG_ERROR; break;
        default: break;
    }
    bool have_sink;
    {
        std::lock_guard<std::mutex> lock(g_error_mutex);
        if (sw_level == SW_LOG_ERROR && g_errors.size() < 16) g_errors.push_back(line);
        if (line.find("no tensors loaded") != std::string::npos) g_no_tensors = true;
        have_sink = g_have_sink;
    }
    if (have_sink) {
        sw::log_sink().emit(sw_level, line);
    } else if (sw_level >= SW_LOG_WARN) {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
}

void install_hooks() {
    std::call_once(g_hooks_once, [] { whisper_log_set(on_log, nullptr); });
}

void reset_errors() {
    std::lock_guard<std::mutex> lock(g_error_mutex);
    g_errors.clear();
    g_no_tensors = false;
}

// The error lines whisper.cpp logged since reset_errors(), oldest (usually the cause) first.
std::string take_errors() {
    std::lock_guard<std::mutex> lock(g_error_mutex);
    std::string e;
    for (const std::string& line : g_errors) e += (e.empty() ? "" : "; ") + line;
    g_errors.clear();
    return e.empty() ? std::string("no error message from whisper.cpp") : e;
}

bool took_no_tensors() {
    std::lock_guard<std::mutex> lock(g_error_mutex);
    return g_no_tensors;
}

int32_t classify(const std::string& why) {
    return why.find("out of memory") != std::string::npos || why.find("failed to allocate") != std::string::npos
               ? SW_ERR_OUT_OF_MEMORY
               : SW_ERR_BACKEND;
}

int64_t clamp_ms(int64_t v, int64_t max_ms) { return std::min(std::max<int64_t>(v, 0), max_ms); }

struct Call {
    const volatile int32_t* cancel_flag;
    sw_progress_fn progress;
    void* user;
    int32_t last;
};

void on_progress(whisper_context*, whisper_state*, int percent, void* data) {
    auto* call = static_cast<Call*>(data);
    if (percent > 100) percent = 100;
    if (percent <= call->last) return;
    call->last = percent;
    if (call->progress) call->progress(call->user, percent, 100);
}

bool on_abort(void* data) { return sw::cancelled(static_cast<Call*>(data)->cancel_flag); }

bool on_encoder_begin(whisper_context*, whisper_state*, void* data) {
    return !sw::cancelled(static_cast<Call*>(data)->cancel_flag);
}

}  // namespace

extern "C" SW_API void sw_set_log_callback(sw_log_fn fn, void* user) {
    sw::log_sink().set(fn, user);
    {
        std::lock_guard<std::mutex> lock(g_error_mutex);
        g_have_sink = fn != nullptr;
    }
    install_hooks();
}

extern "C" SW_API int32_t sw_abi_version(void) { return SW_ABI_VERSION; }

extern "C" SW_API int32_t sw_backend_info_get(sw_backend_info* out) {
    if (!out) return SW_ERR_INVALID_ARGUMENT;
    std::memset(out, 0, sizeof *out);
    out->backend_name = sw::dup(kName);
    out->backend_version = sw::dup(whisper_version());
    out->abi_version = SW_ABI_VERSION;
    out->capabilities = SW_CAP_STT;
    // whisper.h has no device enumeration (that would need ggml calls): no devices are reported.
    out->n_devices = 0;
    out->devices = nullptr;
    return SW_OK;
}

extern "C" SW_API void sw_backend_info_free(sw_backend_info* info) { sw::free_backend_info(info); }

extern "C" SW_API sw_stt_ctx* sw_stt_open(const sw_stt_model* m, sw_error* err) {
    sw::clear(err);
    install_hooks();
    if (!m) {
        sw::fail(err, SW_ERR_INVALID_ARGUMENT, "model is NULL", kName);
        return nullptr;
    }
    if (sw::empty(m->model_path)) {
        sw::fail(err, SW_ERR_INVALID_ARGUMENT, "model_path is required", kName);
        return nullptr;
    }
    whisper_context_params cp = whisper_context_default_params();
    cp.use_gpu = m->use_gpu != 0;
    reset_errors();
    whisper_context* w = nullptr;
    const sw::Caught caught = sw::guarded([&] { w = whisper_init_from_file_with_params(m->model_path, cp); });
    if (caught.oom) {
        sw::fail(err, SW_ERR_OUT_OF_MEMORY, sw::format("cannot load model '%s': out of memory", m->model_path), kName);
        return nullptr;
    }
    if (!w) {
        const std::string why = caught.what.empty() ? take_errors() : "exception: " + caught.what;
        sw::fail(err, SW_ERR_MODEL_LOAD, sw::format("cannot load model '%s': %s", m->model_path, why.c_str()), kName);
        return nullptr;
    }
    if (took_no_tensors()) {
        whisper_free(w);
        sw::fail(err, SW_ERR_MODEL_LOAD,
                 sw::format("cannot load model '%s': the file holds no tensors (truncated or not a whisper model)",
                            m->model_path),
                 kName);
        return nullptr;
    }
    auto* ctx = new (std::nothrow) sw_stt_ctx();
    if (!ctx) {
        whisper_free(w);
        sw::fail(err, SW_ERR_OUT_OF_MEMORY, "cannot allocate sw_stt_ctx", kName);
        return nullptr;
    }
    ctx->w = w;
    ctx->n_threads = m->n_threads;
    return ctx;
}

extern "C" SW_API void sw_transcript_free(sw_transcript* t) {
    if (!t) return;
    std::free(const_cast<char*>(t->language));
    for (int32_t i = 0; t->segments && i < t->n_segments; i++) {
        sw_segment& s = t->segments[i];
        std::free(const_cast<char*>(s.text));
        for (int32_t j = 0; s.words && j < s.n_words; j++) std::free(const_cast<char*>(s.words[j].text));
        std::free(s.words);
    }
    std::free(t->segments);
    std::memset(t, 0, sizeof *t);
}

namespace {

struct Word {
    std::string text;
    int64_t t0_ms = 0;
    int64_t t1_ms = 0;
    double p_sum = 0;
    int n = 0;
};

std::vector<Word> words_of(whisper_context* w, int seg, int64_t max_ms) {
    std::vector<Word> words;
    const whisper_token eot = whisper_token_eot(w);
    const int n_tokens = whisper_full_n_tokens(w, seg);
    for (int k = 0; k < n_tokens; k++) {
        if (whisper_full_get_token_id(w, seg, k) >= eot) continue;  // special / timestamp tokens
        const char* piece = whisper_full_get_token_text(w, seg, k);
        if (!piece || !*piece) continue;
        const whisper_token_data d = whisper_full_get_token_data(w, seg, k);
        const int64_t t0 = clamp_ms(whisper_full_get_token_t0(w, seg, k) * 10, max_ms);
        const int64_t t1 = std::max(t0, clamp_ms(whisper_full_get_token_t1(w, seg, k) * 10, max_ms));
        if (words.empty() || piece[0] == ' ') {
            Word word;
            word.t0_ms = t0;
            words.push_back(word);
        }
        Word& cur = words.back();
        cur.text += piece;
        cur.t1_ms = t1;
        cur.p_sum += d.p;
        cur.n++;
    }
    for (Word& word : words) {
        const size_t start = word.text.find_first_not_of(' ');
        word.text = start == std::string::npos ? std::string() : word.text.substr(start);
    }
    return words;
}

}  // namespace

extern "C" SW_API int32_t sw_stt_transcribe(sw_stt_ctx* ctx, const sw_stt_params* p, const float* pcm,
                                            size_t n_samples, sw_transcript* out, sw_progress_fn progress,
                                            void* user, sw_error* err) {
    sw::clear(err);
    if (out) std::memset(out, 0, sizeof *out);
    if (!ctx || !ctx->w) return sw::fail(err, SW_ERR_INVALID_ARGUMENT, "ctx is NULL", kName);
    if (!p) return sw::fail(err, SW_ERR_INVALID_ARGUMENT, "params is NULL", kName);
    if (!out) return sw::fail(err, SW_ERR_INVALID_ARGUMENT, "out is NULL", kName);
    if (int32_t rc = sw::validate_stt_input(p, pcm, n_samples, err, kName)) return rc;
    if (n_samples > size_t(INT_MAX))
        return sw::fail(err, SW_ERR_INVALID_ARGUMENT, sw::format("n_samples must be < 2^31, got %zu", n_samples), kName);
    if (sw::cancelled(p->cancel_flag)) return sw::fail(err, SW_ERR_CANCELLED, "cancelled before the first segment", kName);

    const bool auto_lang = sw::empty(p->language) || std::strcmp(p->language, "auto") == 0;
    Call call{p->cancel_flag, progress, user, 0};
    whisper_full_params wp = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
    const int threads = p->n_threads > 0 ? p->n_threads : ctx->n_threads;
    if (threads > 0) wp.n_threads = threads;
    wp.translate = p->translate != 0;
    wp.language = auto_lang ? "auto" : p->language;
    wp.detect_language = false;
    wp.initial_prompt = sw::empty(p->initial_prompt) ? nullptr : p->initial_prompt;
    wp.token_timestamps = p->word_timestamps != 0;
    wp.print_progress = false;
    wp.print_realtime = false;
    wp.print_timestamps = false;
    wp.print_special = false;
    wp.progress_callback = on_progress;
    wp.progress_callback_user_data = &call;
    wp.abort_callback = on_abort;
    wp.abort_callback_user_data = &call;
    wp.encoder_begin_callback = on_encoder_begin;
    wp.encoder_begin_callback_user_data = &call;
    reset_errors();
    int rc = -1;
    const sw::Caught caught = sw::guarded([&] { rc = whisper_full(ctx->w, wp, pcm, int(n_samples)); });
    if (caught.oom) return sw::fail(err, SW_ERR_OUT_OF_MEMORY, "whisper_full failed: out of memory", kName);
    if (sw::cancelled(p->cancel_flag))
        return sw::fail(err, SW_ERR_CANCELLED, sw::format("cancelled at %d%%", call.last), kName);
    if (!caught.what.empty())
        return sw::fail(err, SW_ERR_BACKEND, "whisper_full failed: exception: " + caught.what, kName);
    if (rc != 0) {
        const std::string why = take_errors();
        return sw::fail(err, classify(why), sw::format("whisper_full failed (%d): %s", rc, why.c_str()), kName);
    }
    const int64_t audio_ms = int64_t(n_samples) * 1000 / WHISPER_SAMPLE_RATE;

    const int n_seg = whisper_full_n_segments(ctx->w);
    const int lang_id = whisper_full_lang_id(ctx->w);
    const char* lang = lang_id >= 0 ? whisper_lang_str(lang_id) : nullptr;
    out->language = sw::dup(lang ? lang : (auto_lang ? "" : p->language));
    out->segments = n_seg > 0 ? static_cast<sw_segment*>(std::calloc(size_t(n_seg), sizeof(sw_segment))) : nullptr;
    if (!out->language || (n_seg > 0 && !out->segments)) {
        sw_transcript_free(out);
        return sw::fail(err, SW_ERR_OUT_OF_MEMORY, "cannot allocate the transcript", kName);
    }
    for (int i = 0; i < n_seg; i++) {
        sw_segment& seg = out->segments[i];
        out->n_segments = i + 1;
        seg.t0_ms = clamp_ms(whisper_full_get_segment_t0(ctx->w, i) * 10, audio_ms);
        seg.t1_ms = std::max(seg.t0_ms, clamp_ms(whisper_full_get_segment_t1(ctx->w, i) * 10, audio_ms));
        seg.text = sw::dup(whisper_full_get_segment_text(ctx->w, i));
        if (!seg.text) {
            sw_transcript_free(out);
            return sw::fail(err, SW_ERR_OUT_OF_MEMORY, "cannot allocate the transcript", kName);
        }
        if (p->word_timestamps) {
            const std::vector<Word> words = words_of(ctx->w, i, audio_ms);
            if (!words.empty()) {
                seg.words = static_cast<sw_word*>(std::calloc(words.size(), sizeof(sw_word)));
                if (!seg.words) {
                    sw_transcript_free(out);
                    return sw::fail(err, SW_ERR_OUT_OF_MEMORY, "cannot allocate the transcript", kName);
                }
                seg.n_words = int32_t(words.size());
                for (size_t j = 0; j < words.size(); j++) {
                    seg.words[j].t0_ms = words[j].t0_ms;
                    seg.words[j].t1_ms = words[j].t1_ms;
                    seg.words[j].text = sw::dup(words[j].text.c_str());
                    seg.words[j].p = words[j].n ? float(words[j].p_sum / words[j].n) : 0.0f;
                }
            }
        }
    }
    if (call.last < 100 && progress) progress(user, 100, 100);
    return SW_OK;
}

extern "C" SW_API void sw_stt_close(sw_stt_ctx* ctx) {
    if (!ctx) return;
    if (ctx->w) whisper_free(ctx->w);
    delete ctx;
}
