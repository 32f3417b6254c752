// Helpers shared by the backends behind studio_worker.h (header-only, compiled into each library
// separately; not part of the ABI). Validation lives here so sw_testbackend, which every build tests,
// enforces exactly the rules the real backends do.
#ifndef SW_COMMON_HPP
#define SW_COMMON_HPP

#include "studio_worker.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <string>

namespace sw {

inline std::string format(const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

// ------------------------------------------------------------------ log sink (process-wide per library)

class LogSink {
public:
    void set(sw_log_fn fn, void* user) {
        std::lock_guard<std::mutex> lock(mutex_);
        fn_ = fn;
        user_ = user;
    }
    void emit(int32_t level, const char* msg) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (fn_) fn_(user_, level, msg);
    }
    void emit(int32_t level, const std::string& msg) { emit(level, msg.c_str()); }

private:
    std::mutex mutex_;
    sw_log_fn fn_ = nullptr;
    void* user_ = nullptr;
};

// One per library (each library compiles its own copy of this inline function).
inline LogSink& log_sink() {
    static LogSink sink;
    return sink;
}

// ------------------------------------------------------------------ errors

inline void clear(sw_error* err) {
    if (err) {
        err->code = SW_OK;
        err->message[0] = '\0';
    }
}

// Stores code + message in *err, logs it as a warning prefixed by the backend name, returns code.
inline int32_t fail(sw_error* err, int32_t code, const std::string& msg, const char* backend) {
    if (err) {
        err->code = code;
        std::snprintf(err->message, sizeof err->message, "%s", msg.c_str());
    }
    log_sink().emit(SW_LOG_WARN, std::string(backend) + ": " + msg);
    return code;
}

// malloc'd copy (freed by the library's own sw_*_free with free()).
inline char* dup(const char* s) {
    if (!s) s = "";
    const size_t n = std::strlen(s) + 1;
    char* p = static_cast<char*>(std::malloc(n));
    if (p) std::memcpy(p, s, n);
    return p;
}

inline bool empty(const char* s) { return s == nullptr || *s == '\0'; }

// What a call into upstream threw. C++ exceptions must never cross the C ABI: in the JVM they abort the process.
struct Caught {
    bool oom = false;   // std::bad_alloc
    std::string what;   // any other exception's what(); "unknown exception" for non-std ones
};

// Runs fn and reports what it threw instead of letting it escape.
template <class F>
Caught guarded(F&& fn) {
    Caught caught;
    try {
        fn();
    } catch (const std::bad_alloc&) {
        caught.oom = true;
    } catch (const std::exception& e) {
        caught.what = e.what();
    } catch (...) {
        caught.what = "unknown exception";
    }
    return caught;
}

// Frees what sw_backend_info_get filled (strings from dup(), the device array from calloc) and zeroes it.
inline void free_backend_info(sw_backend_info* info) {
    if (!info) return;
    std::free(const_cast<char*>(info->backend_name));
    std::free(const_cast<char*>(info->backend_version));
    for (int32_t i = 0; info->devices && i < info->n_devices; i++) std::free(const_cast<char*>(info->devices[i].name));
    std::free(info->devices);
    std::memset(info, 0, sizeof *info);
}

// ------------------------------------------------------------------ cancellation

inline bool cancelled(const volatile int32_t* flag) {
    return flag != nullptr && *flag != 0;
}

// ------------------------------------------------------------------ validation

inline const char* const* sampler_names() {
    static const char* const names[] = {"euler", "euler_a", "heun", "dpm2", "dpm++2s_a", "dpm++2m", "dpm++2mv2",
                                        "ipndm", "ipndm_v", "lcm", "ddim_trailing", "tcd", nullptr};
    return names;
}

inline bool known_sampler(const char* s) {
    for (const char* const* n = sampler_names(); *n; n++)
        if (std::strcmp(*n, s) == 0) return true;
    return false;
}

inline bool valid_dim(int32_t v) { return v >= 64 && v <= 2048 && v % 8 == 0; }

// w == 0: any positive shape with 1..4 channels; channels == 0: any channel count.
inline int32_t check_image(const char* field, const sw_image* img, uint32_t w, uint32_t h, uint32_t channels,
                           sw_error* err, const char* backend) {
    if (!img->data) return fail(err, SW_ERR_INVALID_ARGUMENT, format("%s.data is NULL", field), backend);
    if ((w && (img->width != w || img->height != h)) || (channels && img->channels != channels))
        return fail(err, SW_ERR_INVALID_ARGUMENT,
                    format("%s must be %ux%ux%u (width x height x channels), got %ux%ux%u", field, w, h, channels,
                           img->width, img->height, img->channels),
                    backend);
    if (!w && (img->width == 0 || img->height == 0 || img->channels == 0 || img->channels > 4))
        return fail(err, SW_ERR_INVALID_ARGUMENT,
                    format("%s has an invalid shape %ux%ux%u", field, img->width, img->height, img->channels),
                    backend);
    return SW_OK;
}

// The common rules of sw_image_params; SW_OK or SW_ERR_INVALID_ARGUMENT naming the field and value.
inline int32_t validate_image_params(const sw_image_params* p, sw_error* err, const char* backend) {
    if (!p->prompt) return fail(err, SW_ERR_INVALID_ARGUMENT, "prompt is NULL", backend);
    if (!valid_dim(p->width))
        return fail(err, SW_ERR_INVALID_ARGUMENT, format("width must be a multiple of 8 in 64..2048, got %d", p->width),
                    backend);
    if (!valid_dim(p->height))
        return fail(err, SW_ERR_INVALID_ARGUMENT,
                    format("height must be a multiple of 8 in 64..2048, got %d", p->height), backend);
    if (p->steps < 1 || p->steps > 150)
        return fail(err, SW_ERR_INVALID_ARGUMENT, format("steps must be in 1..150, got %d", p->steps), backend);
    if (!(p->cfg_scale >= 0.0f && p->cfg_scale <= 30.0f))
        return fail(err, SW_ERR_INVALID_ARGUMENT, format("cfg_scale must be in 0..30, got %g", p->cfg_scale), backend);
    if (!(p->strength >= 0.0f && p->strength <= 1.0f))
        return fail(err, SW_ERR_INVALID_ARGUMENT, format("strength must be in 0..1, got %g", p->strength), backend);
    if (!std::isfinite(p->flow_shift))
        return fail(err, SW_ERR_INVALID_ARGUMENT, format("flow_shift must be finite, got %g", p->flow_shift), backend);
    if (!empty(p->sample_method) && !known_sampler(p->sample_method))
        return fail(err, SW_ERR_INVALID_ARGUMENT,
                    format("sample_method '%s' is unknown (euler, euler_a, heun, dpm2, dpm++2s_a, dpm++2m, "
                           "dpm++2mv2, ipndm, ipndm_v, lcm, ddim_trailing, tcd)",
                           p->sample_method),
                    backend);
    const uint32_t w = uint32_t(p->width), h = uint32_t(p->height);
    if (p->init_image) {
        if (int32_t rc = check_image("init_image", p->init_image, w, h, 3, err, backend)) return rc;
    }
    if (p->mask_image) {
        if (!p->init_image) return fail(err, SW_ERR_INVALID_ARGUMENT, "mask_image needs an init_image", backend);
        if (int32_t rc = check_image("mask_image", p->mask_image, w, h, 1, err, backend)) return rc;
    }
    if (p->n_ref_images < 0 || (p->n_ref_images > 0 && !p->ref_images))
        return fail(err, SW_ERR_INVALID_ARGUMENT,
                    format("n_ref_images must be >= 0 with a ref_images array, got %d", p->n_ref_images), backend);
    for (int32_t i = 0; i < p->n_ref_images; i++) {
        const std::string field = format("ref_images[%d]", i);
        if (int32_t rc = check_image(field.c_str(), &p->ref_images[i], 0, 0, 0, err, backend)) return rc;
    }
    return SW_OK;
}

// The common rules of sw_image_model.
inline int32_t validate_image_model(const sw_image_model* m, sw_error* err, const char* backend) {
    if (empty(m->model_path) && empty(m->diffusion_model_path))
        return fail(err, SW_ERR_INVALID_ARGUMENT, "model_path or diffusion_model_path is required", backend);
    if (m->n_loras < 0 || (m->n_loras > 0 && !m->loras))
        return fail(err, SW_ERR_INVALID_ARGUMENT, format("n_loras must be >= 0 with a loras array, got %d", m->n_loras),
                    backend);
    for (int32_t i = 0; i < m->n_loras; i++)
        if (empty(m->loras[i].path))
            return fail(err, SW_ERR_INVALID_ARGUMENT, format("loras[%d].path is empty", i), backend);
    return SW_OK;
}

// The common rules of sw_stt_transcribe's arguments.
inline int32_t validate_stt_input(const sw_stt_params* p, const float* pcm, size_t n_samples, sw_error* err,
                                  const char* backend) {
    if (n_samples == 0) return fail(err, SW_ERR_INVALID_ARGUMENT, "n_samples must be > 0, got 0", backend);
    if (!pcm) return fail(err, SW_ERR_INVALID_ARGUMENT, "pcm16k_mono is NULL", backend);
    if (n_samples > size_t(16000) * 60 * 60 * 24)
        return fail(err, SW_ERR_INVALID_ARGUMENT, format("n_samples must be at most 24 h of audio, got %zu", n_samples),
                    backend);
    if (!empty(p->language) && std::strcmp(p->language, "auto") != 0) {
        const size_t len = std::strlen(p->language);
        bool ok = len >= 2 && len <= 3;
        for (size_t i = 0; ok && i < len; i++) ok = p->language[i] >= 'a' && p->language[i] <= 'z';
        if (!ok)
            return fail(err, SW_ERR_INVALID_ARGUMENT,
                        format("language must be an ISO 639-1 code or \"auto\", got '%s'", p->language), backend);
    }
    return SW_OK;
}

}  // namespace sw

#endif  // SW_COMMON_HPP
