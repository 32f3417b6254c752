// sw_sdcpp: studio_worker.h image backend over an INSTALLED stable-diffusion.cpp (include/stable-diffusion.h).
//
// Written against the public stable-diffusion.h API only; it never calls ggml_* directly.
//
// Upstream constraints and how this shim deals with them:
//  - sd.cpp's progress and log callbacks are process-wide (sd_set_progress_callback / sd_set_log_callback),
//    so generations in this library are serialized by one mutex: a second sw_image_generate (on any context)
//    waits for the first. The progress hook forwards only sampling steps of the running call (total ==
//    params->steps, strictly increasing), so the caller sees each step 1..steps exactly once.
//  - generate_image() resets the context's cancel state when it starts, so a one-shot sd_cancel_generation
//    issued just before could be lost. A watcher thread therefore re-issues sd_cancel_generation(SD_CANCEL_ALL)
//    every few milliseconds while the caller's flag is set (level-triggered); the flag is also checked on entry
//    and in every progress callback, i.e. every step, before and after the caller's progress callback runs (so a
//    cancel set from inside it stops the next step, and no step is reported after a cancel).
//  - Result pixels are copied into a malloc'd buffer (freed by sw_image_free) and the upstream images are
//    released with free_sd_images, so memory never crosses CRTs.
//  - Loading: sw_image_open loads every weight (sd_ctx_params_t.eager_load), so a model that cannot be loaded
//    fails there with SW_ERR_MODEL_LOAD and the first generation costs no more than the next ones; the context
//    keeps the weights until sw_image_close. (Upstream's default is to load lazily on first use.)
//  - Errors: the ERROR lines sd.cpp logs during the call are kept (the first usually says why; the last is often
//    generic) and make up the message. C++ exceptions from sd.cpp never cross the C ABI: they become
//    SW_ERR_MODEL_LOAD (open), SW_ERR_BACKEND or SW_ERR_OUT_OF_MEMORY.
#define SW_BUILDING_BACKEND 1
#include "studio_worker.h"
#include "sw_common.hpp"

#include <stable-diffusion.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

struct sw_image_ctx {
    sd_ctx_t* sd = nullptr;
    std::vector<std::string> lora_paths;
    std::vector<float> lora_multipliers;
};

namespace {

constexpr const char* kName = "sw_sdcpp";

std::mutex g_generate_mutex;  // serializes generations (process-wide upstream hooks)

std::mutex g_error_mutex;
std::vector<std::string> g_errors;  // ERROR-level upstream log lines since reset_errors()

std::once_flag g_hooks_once;

struct Call {
    const volatile int32_t* cancel_flag;
    sd_ctx_t* sd;
    sw_progress_fn progress;
    void* user;
    int32_t steps;
    int32_t last_step;
};
std::atomic<Call*> g_call{nullptr};

void on_log(enum sd_log_level_t level, const char* text, void*) {
    if (!text) return;
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.empty()) return;
    if (level == SD_LOG_ERROR) {
        std::lock_guard<std::mutex> lock(g_error_mutex);
        if (g_errors.size() < 16) g_errors.push_back(line);
    }
    // sd_log_level_t and sw_log_level share their values (DEBUG, INFO, WARN, ERROR).
    sw::log_sink().emit(int32_t(level), line);
}

void on_progress(int step, int steps, float, void*) {
    Call* call = g_call.load();
    if (!call) return;
    if (sw::cancelled(call->cancel_flag)) {
        sd_cancel_generation(call->sd, SD_CANCEL_ALL);
        return;  // no step is reported after a cancel
    }
    // Other phases (model loading, VAE tiling, hires passes) report through the same hook: keep only the
    // sampling steps of this call, each once, in order.
    if (steps != call->steps || step <= call->last_step || step > steps) return;
    call->last_step = step;
    if (call->progress) call->progress(call->user, step, steps);
    // sd.cpp reports a step when it is done and checks its cancel state when the next one starts: a cancel set
    // from inside the callback (or meanwhile) must reach it now, not when the watcher next looks.
    if (sw::cancelled(call->cancel_flag)) sd_cancel_generation(call->sd, SD_CANCEL_ALL);
}

void install_hooks() {
    std::call_once(g_hooks_once, [] {
        sd_set_log_callback(on_log, nullptr);
        sd_set_progress_callback(on_progress, nullptr);
    });
}

void reset_errors() {
    std::lock_guard<std::mutex> lock(g_error_mutex);
    g_errors.clear();
}

// The ERROR lines sd.cpp logged since reset_errors(), oldest (usually the cause) first.
std::string take_errors() {
    std::lock_guard<std::mutex> lock(g_error_mutex);
    std::string e;
    for (const std::string& line : g_errors) e += (e.empty() ? "" : "; ") + line;
    g_errors.clear();
    return e.empty() ? std::string("no error message from stable-diffusion.cpp") : e;
}

int32_t classify(const std::string& message) {
    if (message.find("out of memory") != std::string::npos || message.find("failed to allocate") != std::string::npos ||
        message.find("OOM") != std::string::npos)
        return SW_ERR_OUT_OF_MEMORY;
    return SW_ERR_BACKEND;
}

const char* str_or_empty(const char* s) { return s ? s : ""; }

sd_image_t to_sd(const sw_image* img) {
    sd_image_t out{};
    if (img) {
        out.width = img->width;
        out.height = img->height;
        out.channel = img->channels;
        out.data = img->data;
    }
    return out;
}

}  // namespace

extern "C" SW_API void sw_set_log_callback(sw_log_fn fn, void* user) {
    sw::log_sink().set(fn, user);
    install_hooks();
}

extern "C" SW_API int32_t sw_abi_version(void) { return SW_ABI_VERSION; }

extern "C" SW_API int32_t sw_backend_info_get(sw_backend_info* out) {
    if (!out) return SW_ERR_INVALID_ARGUMENT;
    std::memset(out, 0, sizeof *out);
    const std::string version = std::string(str_or_empty(sd_version())) + " (" + str_or_empty(sd_commit()) + ")";
    out->backend_name = sw::dup(kName);
    out->backend_version = sw::dup(version.c_str());
    out->abi_version = SW_ABI_VERSION;
    out->capabilities = SW_CAP_IMAGE;

    // "name<TAB>description" per line; upstream reports no memory figures, so the byte counts stay 0.
    std::vector<std::string> names;
    const size_t needed = sd_list_devices(nullptr, 0);
    if (needed > 0) {
        std::string buf(needed + 1, '\0');
        sd_list_devices(&buf[0], buf.size());
        buf.resize(std::strlen(buf.c_str()));
        size_t pos = 0;
        while (pos < buf.size()) {
            size_t nl = buf.find('\n', pos);
            if (nl == std::string::npos) nl = buf.size();
            std::string line = buf.substr(pos, nl - pos);
            const size_t tab = line.find('\t');
            if (tab != std::string::npos) line = line.substr(0, tab) + " (" + line.substr(tab + 1) + ")";
            if (!line.empty()) names.push_back(line);
            pos = nl + 1;
        }
    }
    if (!names.empty()) {
        out->devices = static_cast<sw_device_info*>(std::calloc(names.size(), sizeof(sw_device_info)));
        if (out->devices) {
            out->n_devices = int32_t(names.size());
            for (size_t i = 0; i < names.size(); i++) out->devices[i].name = sw::dup(names[i].c_str());
        }
    }
    return SW_OK;
}

extern "C" SW_API void sw_backend_info_free(sw_backend_info* info) { sw::free_backend_info(info); }

extern "C" SW_API sw_image_ctx* sw_image_open(const sw_image_model* m, sw_error* err) {
    sw::clear(err);
    install_hooks();
    if (!m) {
        sw::fail(err, SW_ERR_INVALID_ARGUMENT, "model is NULL", kName);
        return nullptr;
    }
    if (sw::validate_image_model(m, err, kName) != SW_OK) return nullptr;

    sd_ctx_params_t cp;
    sd_ctx_params_init(&cp);
    cp.model_path = str_or_empty(m->model_path);
    cp.diffusion_model_path = str_or_empty(m->diffusion_model_path);
    cp.clip_l_path = str_or_empty(m->clip_l_path);
    cp.clip_g_path = str_or_empty(m->clip_g_path);
    cp.t5xxl_path = str_or_empty(m->t5xxl_path);
    cp.llm_path = str_or_empty(m->llm_path);
    cp.vae_path = str_or_empty(m->vae_path);
    if (m->n_threads > 0) cp.n_threads = m->n_threads;
    cp.flash_attn = m->flash_attn != 0;
    cp.diffusion_flash_attn = m->flash_attn != 0;
    if (m->offload_to_cpu) cp.params_backend = "cpu";  // keep weights in RAM, compute on the device
    cp.eager_load = true;                               // load at open, keep loaded until close

    auto* ctx = new (std::nothrow) sw_image_ctx();
    if (!ctx) {
        sw::fail(err, SW_ERR_OUT_OF_MEMORY, "cannot allocate sw_image_ctx", kName);
        return nullptr;
    }
    for (int32_t i = 0; i < m->n_loras; i++) {
        std::string path = m->loras[i].path;
        const bool absolute = path[0] == '/' || path[0] == '\\' || (path.size() > 1 && path[1] == ':');
        if (!absolute && !sw::empty(m->lora_dir)) path = std::string(m->lora_dir) + "/" + path;
        ctx->lora_paths.push_back(path);
        ctx->lora_multipliers.push_back(m->loras[i].multiplier);
    }
    const char* shown = sw::empty(m->model_path) ? m->diffusion_model_path : m->model_path;
    sw::Caught caught;
    {
        // new_sd_ctx reports through the process-wide hooks: no generation may run meanwhile.
        std::lock_guard<std::mutex> serial(g_generate_mutex);
        reset_errors();
        caught = sw::guarded([&] { ctx->sd = new_sd_ctx(&cp); });
    }
    if (!ctx->sd) {
        const std::string why = caught.oom ? std::string("out of memory")
                                           : !caught.what.empty() ? "exception: " + caught.what : take_errors();
        sw::fail(err, caught.oom || classify(why) == SW_ERR_OUT_OF_MEMORY ? SW_ERR_OUT_OF_MEMORY : SW_ERR_MODEL_LOAD,
                 sw::format("cannot load model '%s': %s", shown, why.c_str()), kName);
        delete ctx;
        return nullptr;
    }
    return ctx;
}

extern "C" SW_API int32_t sw_image_generate(sw_image_ctx* ctx, const sw_image_params* p, sw_image* out,
                                            sw_progress_fn progress, void* user, sw_error* err) {
    sw::clear(err);
    if (out) std::memset(out, 0, sizeof *out);
    if (!ctx || !ctx->sd) return sw::fail(err, SW_ERR_INVALID_ARGUMENT, "ctx is NULL", kName);
    if (!p) return sw::fail(err, SW_ERR_INVALID_ARGUMENT, "params is NULL", kName);
    if (!out) return sw::fail(err, SW_ERR_INVALID_ARGUMENT, "out is NULL", kName);
    if (int32_t rc = sw::validate_image_params(p, err, kName)) return rc;
    if (sw::cancelled(p->cancel_flag)) return sw::fail(err, SW_ERR_CANCELLED, "cancelled before the first step", kName);

    std::lock_guard<std::mutex> serial(g_generate_mutex);
    if (sw::cancelled(p->cancel_flag)) return sw::fail(err, SW_ERR_CANCELLED, "cancelled before the first step", kName);

    std::vector<sd_lora_t> loras(ctx->lora_paths.size());
    for (size_t i = 0; i < loras.size(); i++) {
        loras[i].is_high_noise = false;
        loras[i].multiplier = ctx->lora_multipliers[i];
        loras[i].path = ctx->lora_paths[i].c_str();
    }
    std::vector<sd_image_t> refs;
    for (int32_t i = 0; i < p->n_ref_images; i++) refs.push_back(to_sd(&p->ref_images[i]));

    sd_img_gen_params_t g;
    sd_img_gen_params_init(&g);
    g.loras = loras.empty() ? nullptr : loras.data();
    g.lora_count = uint32_t(loras.size());
    g.prompt = p->prompt;
    g.negative_prompt = str_or_empty(p->negative_prompt);
    g.width = p->width;
    g.height = p->height;
    g.seed = p->seed;
    g.strength = p->strength;
    g.batch_count = 1;
    g.init_image = to_sd(p->init_image);
    g.mask_image = to_sd(p->mask_image);
    g.ref_images = refs.empty() ? nullptr : refs.data();
    g.ref_images_count = int(refs.size());
    g.sample_params.sample_steps = p->steps;
    g.sample_params.guidance.txt_cfg = p->cfg_scale;
    if (!sw::empty(p->sample_method)) g.sample_params.sample_method = str_to_sample_method(p->sample_method);
    if (g.sample_params.sample_method == SAMPLE_METHOD_COUNT && !sw::empty(p->sample_method))
        return sw::fail(err, SW_ERR_INVALID_ARGUMENT,
                        sw::format("sample_method '%s' is not supported by this stable-diffusion.cpp", p->sample_method),
                        kName);
    if (p->flow_shift != 0.0f) g.sample_params.flow_shift = p->flow_shift;

    Call call{p->cancel_flag, ctx->sd, progress, user, p->steps, 0};
    g_call.store(&call);
    reset_errors();
    std::atomic<bool> done{false};
    std::thread watcher;
    if (p->cancel_flag) {
        watcher = std::thread([&] {
            while (!done.load()) {
                if (sw::cancelled(p->cancel_flag)) sd_cancel_generation(ctx->sd, SD_CANCEL_ALL);
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
    }

    sd_image_t* images = nullptr;
    int n_images = 0;
    bool ok = false;
    const sw::Caught caught = sw::guarded([&] { ok = generate_image(ctx->sd, &g, &images, &n_images); });

    done.store(true);
    if (watcher.joinable()) watcher.join();
    g_call.store(nullptr);
    sd_cancel_generation(ctx->sd, SD_CANCEL_RESET);

    auto release = [&] {
        if (images) free_sd_images(images, n_images);
        images = nullptr;
    };
    if (sw::cancelled(p->cancel_flag)) {
        release();
        return sw::fail(err, SW_ERR_CANCELLED,
                        sw::format("cancelled after step %d of %d", call.last_step, p->steps), kName);
    }
    if (caught.oom) {
        release();
        return sw::fail(err, SW_ERR_OUT_OF_MEMORY, "generate_image failed: out of memory", kName);
    }
    if (!caught.what.empty()) {
        release();
        return sw::fail(err, SW_ERR_BACKEND, "generate_image failed: exception: " + caught.what, kName);
    }
    if (!ok || n_images < 1 || !images || !images[0].data) {
        release();
        const std::string why = take_errors();
        return sw::fail(err, classify(why), "generate_image failed: " + why, kName);
    }
    const sd_image_t& img = images[0];
    const size_t n = size_t(img.width) * img.height * img.channel;
    auto* pixels = static_cast<uint8_t*>(std::malloc(n));
    if (!pixels) {
        release();
        return sw::fail(err, SW_ERR_OUT_OF_MEMORY, sw::format("cannot allocate %zu bytes for the result", n), kName);
    }
    std::memcpy(pixels, img.data, n);
    out->width = img.width;
    out->height = img.height;
    out->channels = img.channel;
    out->data = pixels;
    release();
    return SW_OK;
}

extern "C" SW_API void sw_image_free(sw_image* image) {
    if (!image) return;
    std::free(image->data);
    image->data = nullptr;
}

extern "C" SW_API void sw_image_close(sw_image_ctx* ctx) {
    if (!ctx) return;
    if (ctx->sd) free_sd_ctx(ctx->sd);
    delete ctx;
}
