// sw_testbackend: a deterministic implementation of studio_worker.h with no upstream dependency.
//
// It exists so every build exercises the whole FFM path (struct marshalling, callbacks, cancellation,
// off-heap buffers, freeing) without stable-diffusion.cpp or whisper.cpp. Behaviour, all of it
// documented so tests can rely on it:
//
// Image (sw_image_generate)
//  - Validates like a real backend: width/height multiple of 8 in 64..2048, steps 1..150, cfg 0..30,
//    strength 0..1, a known sampler name, image shapes -> SW_ERR_INVALID_ARGUMENT naming field and value.
//  - Output: width x height x 3. h = FNV-1a/splitmix hash of every model and generation parameter
//    (init/mask/ref images included); noise(i) = top byte of splitmix64(h + i) for byte index i.
//    txt2img: pixel = noise. img2img: pixel = round(init + strength * (noise - init)), so strength 0
//    reproduces the init image exactly; with a mask, pixels whose mask byte is < 128 keep the init value.
//  - progress(step, steps) exactly once per step, in order, on the calling thread.
//  - The cancel flag is read on entry and before every step.
//  - Knobs inside the prompt: "#slow:<ms>" sleeps <ms> per step; "#fail:oom", "#fail:backend",
//    "#fail:unsupported" fail with that code after steps/2 steps (after the output buffer was allocated,
//    so error paths are leak-tested too). In sw_image_model.model_path: "#fail:load", "#fail:oom".
// Speech (sw_stt_transcribe)
//  - One segment per started second of audio; segment text "samples=<n> rms=<x.xxxx>" of that second;
//    words (when asked) are the whitespace-separated tokens of the text, spread evenly over the
//    segment, p = 1/(1+index). Language: the requested one, "en" for NULL/"auto".
//  - Knobs in initial_prompt: "#slow:<ms>" per segment, "#fail:oom" / "#fail:backend" after half.
// Test-only exports (not part of the ABI, bound by hand in the Java tests)
//  - int64_t sw_test_live_allocations(void): buffers/contexts handed out and not yet freed.
//  - int64_t sw_test_echo(int32_t which, char* buf, int64_t cap): "key=value\n" dump of the last
//    image model (0), image params (1), stt model (2), stt params (3) seen; returns the full length.
#define SW_BUILDING_BACKEND 1
#include "studio_worker.h"
#include "sw_common.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(_WIN32)
#  define SW_TEST_API extern "C" __declspec(dllexport)
#else
#  define SW_TEST_API extern "C" __attribute__((visibility("default")))
#endif

struct sw_image_ctx {
    uint64_t model_hash;
};

struct sw_stt_ctx {
    uint64_t model_hash;
    int32_t n_threads;
};

namespace {

std::atomic<int64_t> g_live{0};

std::mutex g_echo_mutex;
std::string g_echo[4];

void* counted_alloc(size_t n) {
    void* p = std::calloc(1, n == 0 ? 1 : n);
    if (p) g_live.fetch_add(1);
    return p;
}

void counted_free(const void* p) {
    if (!p) return;
    std::free(const_cast<void*>(p));
    g_live.fetch_sub(1);
}

char* counted_strdup(const std::string& s) {
    char* p = static_cast<char*>(counted_alloc(s.size() + 1));
    if (p) std::memcpy(p, s.c_str(), s.size() + 1);
    return p;
}

constexpr const char* kName = "sw_testbackend";

using sw::format;

void log_msg(int32_t level, const std::string& msg) { sw::log_sink().emit(level, msg); }

int32_t fail(sw_error* err, int32_t code, const std::string& msg) { return sw::fail(err, code, msg, kName); }

void clear(sw_error* err) { sw::clear(err); }

// ---------------------------------------------------------------- hashing

struct Hasher {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
    void bytes(const void* data, size_t n) {
        const auto* p = static_cast<const uint8_t*>(data);
        for (size_t i = 0; i < n; i++) {
            h ^= p[i];
            h *= 0x100000001b3ull;  // FNV-1a 64 prime
        }
    }
    void str(const char* s) {
        if (s) bytes(s, std::strlen(s) + 1); else bytes("\xff(null)", 8);
    }
    template <typename T> void val(T v) { bytes(&v, sizeof v); }
};

uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t image_hash(const sw_image* img) {
    Hasher h;
    h.val(img->width);
    h.val(img->height);
    h.val(img->channels);
    if (img->data) h.bytes(img->data, size_t(img->width) * img->height * img->channels);
    return h.h;
}

// ---------------------------------------------------------------- helpers

std::string escape(const char* s) {
    if (!s) return "(null)";
    std::string out;
    for (const char* p = s; *p; p++) {
        if (*p == '\n') out += "\\n";
        else if (*p == '\\') out += "\\\\";
        else out += *p;
    }
    return out;
}

bool contains(const char* haystack, const char* needle) {
    return haystack && std::strstr(haystack, needle) != nullptr;
}

int knob_int(const char* text, const char* key) {
    if (!text) return 0;
    const char* p = std::strstr(text, key);
    return p ? std::atoi(p + std::strlen(key)) : 0;
}

int32_t knob_failure(const char* text) {
    if (contains(text, "#fail:oom")) return SW_ERR_OUT_OF_MEMORY;
    if (contains(text, "#fail:backend")) return SW_ERR_BACKEND;
    if (contains(text, "#fail:unsupported")) return SW_ERR_UNSUPPORTED;
    return SW_OK;
}

const char* failure_text(int32_t code) {
    switch (code) {
        case SW_ERR_OUT_OF_MEMORY: return "out of memory (simulated by #fail:oom)";
        case SW_ERR_UNSUPPORTED: return "unsupported (simulated by #fail:unsupported)";
        default: return "backend failure (simulated by #fail:backend)";
    }
}

using sw::cancelled;

void sleep_ms(int ms) {
    if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void set_echo(int which, std::string s) {
    std::lock_guard<std::mutex> lock(g_echo_mutex);
    g_echo[which] = std::move(s);
}

std::string describe_image(const sw_image* img) {
    if (!img) return "(null)";
    return format("%ux%ux%u:%016llx", img->width, img->height, img->channels,
                  (unsigned long long) image_hash(img));
}

}  // namespace

// ===================================================================== common

extern "C" SW_API void sw_set_log_callback(sw_log_fn fn, void* user) {
    sw::log_sink().set(fn, user);
}

extern "C" SW_API int32_t sw_abi_version(void) { return SW_ABI_VERSION; }

extern "C" SW_API int32_t sw_backend_info_get(sw_backend_info* out) {
    if (!out) return SW_ERR_INVALID_ARGUMENT;
    std::memset(out, 0, sizeof *out);
    out->backend_name = counted_strdup("sw_testbackend");
    out->backend_version = counted_strdup("1.0.0-deterministic");
    out->abi_version = SW_ABI_VERSION;
    out->capabilities = SW_CAP_IMAGE | SW_CAP_STT;
    out->n_devices = 2;
    out->devices = static_cast<sw_device_info*>(counted_alloc(sizeof(sw_device_info) * 2));
    out->devices[0] = {counted_strdup("test-cpu"), 8ull << 30, 6ull << 30};
    out->devices[1] = {counted_strdup("test-gpu0"), 16ull << 30, 12ull << 30};
    return SW_OK;
}

extern "C" SW_API void sw_backend_info_free(sw_backend_info* info) {
    if (!info) return;
    counted_free(info->backend_name);
    counted_free(info->backend_version);
    for (int32_t i = 0; info->devices && i < info->n_devices; i++) counted_free(info->devices[i].name);
    counted_free(info->devices);
    std::memset(info, 0, sizeof *info);
}

// ====================================================================== image

extern "C" SW_API sw_image_ctx* sw_image_open(const sw_image_model* m, sw_error* err) {
    clear(err);
    if (!m) {
        fail(err, SW_ERR_INVALID_ARGUMENT, "model is NULL");
        return nullptr;
    }
    if (sw::validate_image_model(m, err, kName) != SW_OK) return nullptr;
    std::string echo;
    echo += "model_path=" + escape(m->model_path) + "\n";
    echo += "diffusion_model_path=" + escape(m->diffusion_model_path) + "\n";
    echo += "clip_l_path=" + escape(m->clip_l_path) + "\n";
    echo += "clip_g_path=" + escape(m->clip_g_path) + "\n";
    echo += "t5xxl_path=" + escape(m->t5xxl_path) + "\n";
    echo += "llm_path=" + escape(m->llm_path) + "\n";
    echo += "vae_path=" + escape(m->vae_path) + "\n";
    echo += "lora_dir=" + escape(m->lora_dir) + "\n";
    echo += format("n_loras=%d\n", m->n_loras);
    for (int32_t i = 0; i < m->n_loras; i++)
        echo += format("loras[%d]=", i) + escape(m->loras[i].path) + format("*%.9g\n", m->loras[i].multiplier);
    echo += format("n_threads=%d\noffload_to_cpu=%d\nflash_attn=%d\n", m->n_threads, m->offload_to_cpu, m->flash_attn);
    set_echo(0, echo);

    for (const char* p : {m->model_path, m->diffusion_model_path}) {
        if (contains(p, "#fail:load")) {
            fail(err, SW_ERR_MODEL_LOAD, format("cannot load model '%s': simulated by #fail:load", p));
            return nullptr;
        }
        if (contains(p, "#fail:oom")) {
            fail(err, SW_ERR_OUT_OF_MEMORY, format("out of memory loading '%s' (simulated by #fail:oom)", p));
            return nullptr;
        }
    }
    Hasher h;
    h.str(m->model_path);
    h.str(m->diffusion_model_path);
    h.str(m->clip_l_path);
    h.str(m->clip_g_path);
    h.str(m->t5xxl_path);
    h.str(m->llm_path);
    h.str(m->vae_path);
    h.str(m->lora_dir);
    for (int32_t i = 0; i < m->n_loras; i++) {
        h.str(m->loras[i].path);
        h.val(m->loras[i].multiplier);
    }
    h.val(m->n_threads);
    h.val(m->offload_to_cpu);
    h.val(m->flash_attn);

    auto* ctx = new (std::nothrow) sw_image_ctx{h.h};
    if (!ctx) {
        fail(err, SW_ERR_OUT_OF_MEMORY, "cannot allocate sw_image_ctx");
        return nullptr;
    }
    g_live.fetch_add(1);
    log_msg(SW_LOG_INFO, "sw_testbackend: image model opened: " + escape(m->model_path ? m->model_path
                                                                                    : m->diffusion_model_path));
    return ctx;
}

extern "C" SW_API int32_t sw_image_generate(sw_image_ctx* ctx, const sw_image_params* p, sw_image* out,
                                            sw_progress_fn progress, void* user, sw_error* err) {
    clear(err);
    if (out) std::memset(out, 0, sizeof *out);
    if (!ctx) return fail(err, SW_ERR_INVALID_ARGUMENT, "ctx is NULL");
    if (!p) return fail(err, SW_ERR_INVALID_ARGUMENT, "params is NULL");
    if (!out) return fail(err, SW_ERR_INVALID_ARGUMENT, "out is NULL");
    if (int32_t rc = sw::validate_image_params(p, err, kName)) return rc;
    const char* sampler = sw::empty(p->sample_method) ? "euler" : p->sample_method;
    const uint32_t w = uint32_t(p->width), hgt = uint32_t(p->height);

    std::string echo;
    echo += "prompt=" + escape(p->prompt) + "\n";
    echo += "negative_prompt=" + escape(p->negative_prompt) + "\n";
    echo += format("width=%d\nheight=%d\nsteps=%d\ncfg_scale=%.9g\n", p->width, p->height, p->steps, p->cfg_scale);
    echo += "sample_method=" + escape(p->sample_method) + "\n";
    echo += format("seed=%lld\nflow_shift=%.9g\nstrength=%.9g\n", (long long) p->seed, p->flow_shift, p->strength);
    echo += "init_image=" + describe_image(p->init_image) + "\n";
    echo += "mask_image=" + describe_image(p->mask_image) + "\n";
    echo += format("n_ref_images=%d\n", p->n_ref_images);
    for (int32_t i = 0; i < p->n_ref_images; i++)
        echo += format("ref_images[%d]=", i) + describe_image(&p->ref_images[i]) + "\n";
    echo += std::string("cancel_flag=") + (p->cancel_flag ? "set" : "(null)") + "\n";
    set_echo(1, echo);

    if (cancelled(p->cancel_flag)) return fail(err, SW_ERR_CANCELLED, "cancelled before the first step");

    Hasher h;
    h.val(ctx->model_hash);
    h.str(p->prompt);
    h.str(p->negative_prompt);
    h.val(p->width);
    h.val(p->height);
    h.val(p->steps);
    h.val(p->cfg_scale);
    h.str(sampler);
    h.val(p->seed);
    h.val(p->flow_shift);
    h.val(p->strength);
    h.val(p->init_image ? image_hash(p->init_image) : 0);
    h.val(p->mask_image ? image_hash(p->mask_image) : 0);
    for (int32_t i = 0; i < p->n_ref_images; i++) h.val(image_hash(&p->ref_images[i]));

    const size_t n = size_t(w) * hgt * 3;
    auto* pixels = static_cast<uint8_t*>(counted_alloc(n));
    if (!pixels) return fail(err, SW_ERR_OUT_OF_MEMORY, format("cannot allocate %zu bytes", n));

    const int slow_ms = knob_int(p->prompt, "#slow:");
    const int32_t failure = knob_failure(p->prompt);
    for (int32_t step = 1; step <= p->steps; step++) {
        if (cancelled(p->cancel_flag)) {
            counted_free(pixels);
            return fail(err, SW_ERR_CANCELLED, format("cancelled at step %d of %d", step, p->steps));
        }
        if (failure != SW_OK && step == p->steps / 2 + 1) {
            counted_free(pixels);
            return fail(err, failure, format("%s at step %d of %d", failure_text(failure), step, p->steps));
        }
        sleep_ms(slow_ms);
        if (progress) progress(user, step, p->steps);
    }

    const uint8_t* init = p->init_image ? p->init_image->data : nullptr;
    const uint8_t* mask = p->mask_image ? p->mask_image->data : nullptr;
    for (size_t i = 0; i < n; i++) {
        const uint8_t noise = uint8_t(splitmix64(h.h + i) >> 56);
        if (!init) {
            pixels[i] = noise;
        } else if (mask && mask[i / 3] < 128) {
            pixels[i] = init[i];
        } else {
            const float v = float(init[i]) + p->strength * (float(noise) - float(init[i]));
            pixels[i] = uint8_t(std::lround(v));
        }
    }
    out->width = w;
    out->height = hgt;
    out->channels = 3;
    out->data = pixels;
    return SW_OK;
}

extern "C" SW_API void sw_image_free(sw_image* image) {
    if (!image) return;
    counted_free(image->data);
    image->data = nullptr;
}

extern "C" SW_API void sw_image_close(sw_image_ctx* ctx) {
    if (!ctx) return;
    delete ctx;
    g_live.fetch_sub(1);
    log_msg(SW_LOG_INFO, "sw_testbackend: image model closed");
}

// ===================================================================== speech

extern "C" SW_API sw_stt_ctx* sw_stt_open(const sw_stt_model* m, sw_error* err) {
    clear(err);
    if (!m) {
        fail(err, SW_ERR_INVALID_ARGUMENT, "model is NULL");
        return nullptr;
    }
    if (!m->model_path || !*m->model_path) {
        fail(err, SW_ERR_INVALID_ARGUMENT, "model_path is required");
        return nullptr;
    }
    set_echo(2, "model_path=" + escape(m->model_path) +
                    format("\nn_threads=%d\nuse_gpu=%d\n", m->n_threads, m->use_gpu));
    if (contains(m->model_path, "#fail:load")) {
        fail(err, SW_ERR_MODEL_LOAD, format("cannot load model '%s': simulated by #fail:load", m->model_path));
        return nullptr;
    }
    Hasher h;
    h.str(m->model_path);
    h.val(m->use_gpu);
    auto* ctx = new (std::nothrow) sw_stt_ctx{h.h, m->n_threads};
    if (!ctx) {
        fail(err, SW_ERR_OUT_OF_MEMORY, "cannot allocate sw_stt_ctx");
        return nullptr;
    }
    g_live.fetch_add(1);
    log_msg(SW_LOG_INFO, "sw_testbackend: stt model opened: " + escape(m->model_path));
    return ctx;
}

extern "C" SW_API void sw_transcript_free(sw_transcript* t) {
    if (!t) return;
    counted_free(t->language);
    for (int32_t i = 0; t->segments && i < t->n_segments; i++) {
        sw_segment& s = t->segments[i];
        counted_free(s.text);
        for (int32_t j = 0; s.words && j < s.n_words; j++) counted_free(s.words[j].text);
        counted_free(s.words);
    }
    counted_free(t->segments);
    std::memset(t, 0, sizeof *t);
}

extern "C" SW_API int32_t sw_stt_transcribe(sw_stt_ctx* ctx, const sw_stt_params* p, const float* pcm,
                                            size_t n_samples, sw_transcript* out, sw_progress_fn progress,
                                            void* user, sw_error* err) {
    clear(err);
    if (out) std::memset(out, 0, sizeof *out);
    if (!ctx) return fail(err, SW_ERR_INVALID_ARGUMENT, "ctx is NULL");
    if (!p) return fail(err, SW_ERR_INVALID_ARGUMENT, "params is NULL");
    if (!out) return fail(err, SW_ERR_INVALID_ARGUMENT, "out is NULL");
    if (int32_t rc = sw::validate_stt_input(p, pcm, n_samples, err, kName)) return rc;
    const bool auto_lang = sw::empty(p->language) || std::strcmp(p->language, "auto") == 0;

    double sum_sq = 0;
    Hasher ph;
    for (size_t i = 0; i < n_samples; i++) sum_sq += double(pcm[i]) * pcm[i];
    ph.bytes(pcm, n_samples * sizeof(float));
    std::string echo;
    echo += "language=" + escape(p->language) + format("\ntranslate=%d\n", p->translate);
    echo += "initial_prompt=" + escape(p->initial_prompt) + "\n";
    echo += format("word_timestamps=%d\nn_threads=%d\n", p->word_timestamps, p->n_threads);
    echo += std::string("cancel_flag=") + (p->cancel_flag ? "set" : "(null)") + "\n";
    echo += format("n_samples=%zu\npcm_rms=%.4f\npcm_hash=%016llx\n", n_samples, std::sqrt(sum_sq / double(n_samples)),
                   (unsigned long long) ph.h);
    set_echo(3, echo);

    if (cancelled(p->cancel_flag)) return fail(err, SW_ERR_CANCELLED, "cancelled before the first segment");

    const int32_t n_seg = int32_t((n_samples + 15999) / 16000);
    const int slow_ms = knob_int(p->initial_prompt, "#slow:");
    const int32_t failure = knob_failure(p->initial_prompt);

    out->language = counted_strdup(auto_lang ? "en" : p->language);
    out->segments = static_cast<sw_segment*>(counted_alloc(sizeof(sw_segment) * size_t(n_seg)));
    if (!out->language || !out->segments) {
        sw_transcript_free(out);
        return fail(err, SW_ERR_OUT_OF_MEMORY, "cannot allocate the transcript");
    }
    for (int32_t i = 0; i < n_seg; i++) {
        if (cancelled(p->cancel_flag)) {
            sw_transcript_free(out);
            return fail(err, SW_ERR_CANCELLED, format("cancelled at segment %d of %d", i + 1, n_seg));
        }
        if (failure != SW_OK && i == n_seg / 2) {
            sw_transcript_free(out);
            return fail(err, failure, format("%s at segment %d of %d", failure_text(failure), i + 1, n_seg));
        }
        sleep_ms(slow_ms);
        const size_t begin = size_t(i) * 16000;
        const size_t end = begin + 16000 < n_samples ? begin + 16000 : n_samples;
        double sq = 0;
        for (size_t k = begin; k < end; k++) sq += double(pcm[k]) * pcm[k];
        const std::string text = format("samples=%zu rms=%.4f", end - begin, std::sqrt(sq / double(end - begin)));

        sw_segment& seg = out->segments[i];
        out->n_segments = i + 1;
        seg.t0_ms = int64_t(begin) / 16;
        seg.t1_ms = int64_t(end) / 16;
        seg.text = counted_strdup(text);
        if (p->word_timestamps) {
            std::vector<std::string> words;
            size_t pos = 0;
            while (pos < text.size()) {
                size_t sp = text.find(' ', pos);
                if (sp == std::string::npos) sp = text.size();
                words.push_back(text.substr(pos, sp - pos));
                pos = sp + 1;
            }
            seg.words = static_cast<sw_word*>(counted_alloc(sizeof(sw_word) * words.size()));
            seg.n_words = int32_t(words.size());
            const int64_t span = seg.t1_ms - seg.t0_ms;
            for (size_t j = 0; j < words.size(); j++) {
                seg.words[j].t0_ms = seg.t0_ms + span * int64_t(j) / int64_t(words.size());
                seg.words[j].t1_ms = seg.t0_ms + span * int64_t(j + 1) / int64_t(words.size());
                seg.words[j].text = counted_strdup(words[j]);
                seg.words[j].p = 1.0f / float(1 + j);
            }
        }
        if (progress) progress(user, i + 1, n_seg);
    }
    return SW_OK;
}

extern "C" SW_API void sw_stt_close(sw_stt_ctx* ctx) {
    if (!ctx) return;
    delete ctx;
    g_live.fetch_sub(1);
    log_msg(SW_LOG_INFO, "sw_testbackend: stt model closed");
}

// ================================================================= test hooks

SW_TEST_API int64_t sw_test_live_allocations(void) { return g_live.load(); }

SW_TEST_API int64_t sw_test_echo(int32_t which, char* buf, int64_t cap) {
    if (which < 0 || which > 3) return -1;
    std::lock_guard<std::mutex> lock(g_echo_mutex);
    const std::string& s = g_echo[which];
    if (buf && cap > 0) {
        const size_t n = s.size() < size_t(cap - 1) ? s.size() : size_t(cap - 1);
        std::memcpy(buf, s.data(), n);
        buf[n] = '\0';
    }
    return int64_t(s.size());
}
