/*
 * studio_worker.h - the C ABI between studio-worker-java and its in-process inference backends.
 *
 * One shared library per backend (sw_sdcpp, sw_whisper, sw_testbackend) exports these symbols; the
 * Java side loads each library on its own (RTLD_LOCAL) and binds the functions per library, so two
 * backends carrying different ggml builds never see each other's symbols.
 *
 * Versioning: SW_ABI_VERSION is bumped on every incompatible change (struct layout, signature,
 * semantics). A library reports the version it was built against through sw_abi_version() and
 * sw_backend_info.abi_version; callers must refuse a library whose version differs from theirs.
 *
 * Conventions
 *  - Every symbol is prefixed sw_ / SW_. Integers have fixed widths; flags are int32_t (0 = off).
 *  - Strings are UTF-8, NUL-terminated. A NULL or "" optional string means "not set".
 *  - Inputs (models, params, images, PCM) belong to the caller and are only read during the call.
 *  - Outputs (sw_image.data, sw_transcript contents, sw_backend_info contents) are allocated by the
 *    backend and must be released with the matching sw_*_free function of the SAME library.
 *  - Functions returning int32_t return an sw_status: SW_OK (0) on success, otherwise the error code,
 *    which is also stored, with a human-readable message, in *err when err is not NULL.
 *  - A context is used by one call at a time; calls on different contexts may run concurrently.
 *    sw_*_close must not race with a call on the same context.
 *  - A library may implement only one of the image / speech families; the other family's functions
 *    are then either absent or return SW_ERR_UNSUPPORTED. sw_backend_info.capabilities says which.
 *
 * Cancellation (caller-owned flag, never cleared by the backend)
 *  - sw_image_params.cancel_flag / sw_stt_params.cancel_flag point to an aligned int32_t the caller
 *    owns and keeps alive for the whole call. Any thread may set it to non-zero at any time.
 *  - The backend reads it (atomically / volatile) when the call starts, before every step, and at
 *    least once per step for long steps; when non-zero it stops and returns SW_ERR_CANCELLED.
 *  - Because the backend never writes the flag and checks it on entry, a cancel that arrives before
 *    (or while) the call starts is never lost, unlike a per-context "sw_cancel(ctx)" which would have
 *    to be reset at the start of each call and could swallow an earlier request.
 *
 * Callbacks
 *  - sw_progress_fn is called exactly once per completed step, with step = 1..total, in order, on
 *    the thread that made the call unless a backend documents otherwise. It must not call back into
 *    the same context. A backend whose upstream only reports percentages (sw_whisper) uses total = 100:
 *    steps then never repeat or go backwards but may skip values, and a successful call ends at 100/100.
 *  - sw_log_fn is PROCESS-WIDE per library (upstream libraries such as stable-diffusion.cpp and
 *    whisper.cpp only offer global log hooks): the last sw_set_log_callback wins, it may be called
 *    from any thread, concurrently, and must stay valid until replaced (pass NULL to remove it).
 */
#ifndef STUDIO_WORKER_H
#define STUDIO_WORKER_H

#include <stddef.h>
#include <stdint.h>

#define SW_ABI_VERSION 1
#define SW_ERROR_MESSAGE_SIZE 512

#if defined(_WIN32)
#  if defined(SW_BUILDING_BACKEND)
#    define SW_API __declspec(dllexport)
#  else
#    define SW_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define SW_API __attribute__((visibility("default")))
#else
#  define SW_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

typedef enum sw_status {
    SW_OK = 0,
    SW_ERR_INVALID_ARGUMENT = 1, /* a field is missing or out of range; message names field and value */
    SW_ERR_MODEL_LOAD = 2,       /* a model file is missing, unreadable or incompatible */
    SW_ERR_OUT_OF_MEMORY = 3,    /* host or device memory exhausted */
    SW_ERR_CANCELLED = 4,        /* the cancel flag was set */
    SW_ERR_BACKEND = 5,          /* any other failure inside the backend */
    SW_ERR_UNSUPPORTED = 6       /* the backend does not implement this function or option */
} sw_status;

typedef struct sw_error {
    int32_t code;                          /* an sw_status */
    char message[SW_ERROR_MESSAGE_SIZE];   /* NUL-terminated, "" when code == SW_OK */
} sw_error;

/* ------------------------------------------------------------- callbacks */

typedef void (*sw_progress_fn)(void* user, int32_t step, int32_t total);

typedef enum sw_log_level {
    SW_LOG_DEBUG = 0,
    SW_LOG_INFO = 1,
    SW_LOG_WARN = 2,
    SW_LOG_ERROR = 3
} sw_log_level;

typedef void (*sw_log_fn)(void* user, int32_t level, const char* msg);

/* Process-wide for this library; see "Callbacks" above. */
SW_API void sw_set_log_callback(sw_log_fn fn, void* user);

/* The SW_ABI_VERSION the library was built with. */
SW_API int32_t sw_abi_version(void);

/* ---------------------------------------------------------- backend info */

typedef enum sw_capability {
    SW_CAP_IMAGE = 1,
    SW_CAP_STT = 2
} sw_capability;

typedef struct sw_device_info {
    const char* name;
    uint64_t total_bytes;
    uint64_t free_bytes;
} sw_device_info;

typedef struct sw_backend_info {
    const char* backend_name;      /* e.g. "sw_sdcpp" */
    const char* backend_version;   /* upstream version / commit */
    int32_t abi_version;           /* SW_ABI_VERSION of the library */
    uint32_t capabilities;         /* bit set of sw_capability */
    int32_t n_devices;
    sw_device_info* devices;       /* n_devices entries, index 0 = default device */
} sw_backend_info;

/* Fills *out (contents owned by the library); release with sw_backend_info_free. */
SW_API int32_t sw_backend_info_get(sw_backend_info* out);
SW_API void sw_backend_info_free(sw_backend_info* info);

/* ------------------------------------------------------------------ image */

typedef struct sw_image {
    uint32_t width;
    uint32_t height;
    uint32_t channels;  /* 3 = RGB, 4 = RGBA, 1 = gray (masks) */
    uint8_t* data;      /* width * height * channels bytes, row-major, no padding */
} sw_image;

typedef struct sw_lora {
    const char* path;   /* absolute, or relative to sw_image_model.lora_dir */
    float multiplier;   /* 1.0 = full strength */
} sw_lora;

typedef struct sw_image_model {
    const char* model_path;            /* full checkpoint; or NULL when diffusion_model_path is set */
    const char* diffusion_model_path;  /* standalone diffusion model (Flux, SD3, Qwen-Image, ...) */
    const char* clip_l_path;
    const char* clip_g_path;
    const char* t5xxl_path;
    const char* llm_path;              /* LLM text encoder (e.g. Qwen2.5-VL) */
    const char* vae_path;
    const char* lora_dir;
    const sw_lora* loras;              /* n_loras entries, applied to every generation */
    int32_t n_loras;
    int32_t n_threads;                 /* <= 0: backend default */
    int32_t offload_to_cpu;            /* keep weights in RAM, move to the device per use */
    int32_t flash_attn;
} sw_image_model;

typedef struct sw_image_ctx sw_image_ctx;

typedef struct sw_image_params {
    const char* prompt;
    const char* negative_prompt;
    int32_t width;                     /* multiple of 8, 64..2048 */
    int32_t height;                    /* multiple of 8, 64..2048 */
    int32_t steps;                     /* 1..150 */
    float cfg_scale;                   /* 0..30 */
    const char* sample_method;         /* euler, euler_a, heun, dpm2, dpm++2s_a, dpm++2m, dpm++2mv2,
                                          ipndm, ipndm_v, lcm, ddim_trailing, tcd; NULL = default */
    int64_t seed;                      /* < 0: random */
    float flow_shift;                  /* 0: model default */
    float strength;                    /* img2img denoise strength 0..1 */
    const sw_image* init_image;        /* NULL: txt2img */
    const sw_image* mask_image;        /* NULL: no inpainting mask (1 channel, 255 = repaint) */
    const sw_image* ref_images;        /* n_ref_images entries (edit / reference models) */
    int32_t n_ref_images;
    const volatile int32_t* cancel_flag; /* may be NULL; see "Cancellation" */
} sw_image_params;

SW_API sw_image_ctx* sw_image_open(const sw_image_model* model, sw_error* err);

/* On success fills *out with a backend-allocated image (free with sw_image_free). On failure
 * out->data is NULL. progress may be NULL. */
SW_API int32_t sw_image_generate(sw_image_ctx* ctx, const sw_image_params* params, sw_image* out,
                                 sw_progress_fn progress, void* user, sw_error* err);

/* Frees out->data (allocated by sw_image_generate) and sets it to NULL. NULL-safe, idempotent. */
SW_API void sw_image_free(sw_image* image);

SW_API void sw_image_close(sw_image_ctx* ctx);

/* ----------------------------------------------------------------- speech */

typedef struct sw_stt_model {
    const char* model_path;
    int32_t n_threads;   /* <= 0: backend default */
    int32_t use_gpu;
} sw_stt_model;

typedef struct sw_stt_ctx sw_stt_ctx;

typedef struct sw_stt_params {
    const char* language;          /* ISO 639-1, NULL or "auto" = detect */
    int32_t translate;             /* translate to English */
    const char* initial_prompt;
    int32_t word_timestamps;       /* fill sw_segment.words */
    int32_t n_threads;             /* <= 0: the model's n_threads */
    const volatile int32_t* cancel_flag; /* may be NULL; see "Cancellation" */
} sw_stt_params;

typedef struct sw_word {
    int64_t t0_ms;
    int64_t t1_ms;
    const char* text;
    float p;                       /* probability 0..1 */
} sw_word;

typedef struct sw_segment {
    int64_t t0_ms;
    int64_t t1_ms;
    const char* text;
    int32_t n_words;
    sw_word* words;                /* NULL unless word_timestamps was set */
} sw_segment;

typedef struct sw_transcript {
    const char* language;          /* detected or requested language */
    int32_t n_segments;
    sw_segment* segments;
} sw_transcript;

SW_API sw_stt_ctx* sw_stt_open(const sw_stt_model* model, sw_error* err);

/* pcm16k_mono: n_samples float samples in [-1, 1] at 16 kHz, mono. On success fills *out
 * (free with sw_transcript_free). progress may be NULL. */
SW_API int32_t sw_stt_transcribe(sw_stt_ctx* ctx, const sw_stt_params* params,
                                 const float* pcm16k_mono, size_t n_samples, sw_transcript* out,
                                 sw_progress_fn progress, void* user, sw_error* err);

/* Frees everything sw_stt_transcribe put into *t and zeroes it. NULL-safe, idempotent. */
SW_API void sw_transcript_free(sw_transcript* t);

SW_API void sw_stt_close(sw_stt_ctx* ctx);

#ifdef __cplusplus
}
#endif

#endif /* STUDIO_WORKER_H */
