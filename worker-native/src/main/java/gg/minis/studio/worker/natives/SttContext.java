package gg.minis.studio.worker.natives;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import gg.minis.studio.worker.natives.ffi.sw_error;
import gg.minis.studio.worker.natives.ffi.sw_segment;
import gg.minis.studio.worker.natives.ffi.sw_stt_params;
import gg.minis.studio.worker.natives.ffi.sw_transcript;
import gg.minis.studio.worker.natives.ffi.sw_word;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;

/**
 * An open speech model ({@code sw_stt_ctx}). One transcription at a time; cancel from any thread with a
 * {@link CancelFlag}. Same memory rules as {@link ImageContext}: a confined arena per call, the transcript copied
 * into Java records once and freed with {@code sw_transcript_free} on every path.
 */
public final class SttContext extends NativeContext {
    public static final int SAMPLE_RATE = 16_000;

    SttContext(NativeBackend backend, SwFunctions fns, MemorySegment ctx) {
        super(backend, fns, ctx, "speech");
    }

    @Override
    void closeNative(MemorySegment ctx) {
        fns.sttClose(ctx);
    }

    public Transcript transcribe(float[] pcm16kMono, SttParams params) {
        return transcribe(pcm16kMono, params, null, null);
    }

    /**
     * Transcribes 16 kHz mono samples in [-1, 1].
     *
     * @param progress may be {@code null}; called once per step (backend-defined unit, e.g. segment)
     * @param cancel   may be {@code null}
     * @throws NativeException the backend's error, with its code and message
     */
    public Transcript transcribe(float[] pcm16kMono, SttParams params, ProgressListener progress, CancelFlag cancel) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment pcm = pcm16kMono.length == 0 ? MemorySegment.NULL : call.allocateFrom(JAVA_FLOAT, pcm16kMono);
            return transcribe(pcm, pcm16kMono.length, params, progress, cancel);
        }
    }

    /** Same, for samples already off-heap ({@code pcm} holds at least {@code nSamples} floats). */
    public Transcript transcribe(MemorySegment pcm, long nSamples, SttParams params, ProgressListener progress,
                                 CancelFlag cancel) {
        return withContext(ctx -> {
            CancelFlag flag = ProgressBridge.effectiveFlag(cancel, progress);
            ProgressBridge bridge = new ProgressBridge(progress, flag);
            try (Arena call = Arena.ofConfined()) {
                MemorySegment p = sw_stt_params.allocate(call);
                sw_stt_params.language(p, Marshal.cstr(call, params.language()));
                sw_stt_params.translate(p, Marshal.flag(params.translate()));
                sw_stt_params.initial_prompt(p, Marshal.cstr(call, params.initialPrompt()));
                sw_stt_params.word_timestamps(p, Marshal.flag(params.wordTimestamps()));
                sw_stt_params.n_threads(p, params.threads());
                sw_stt_params.cancel_flag(p, flag == null ? MemorySegment.NULL : flag.segment());

                MemorySegment out = sw_transcript.allocate(call);
                MemorySegment err = sw_error.allocate(call);
                try {
                    int rc = callNative(() -> fns.sttTranscribe(ctx, p, pcm, nSamples, out, bridge.stub(call),
                            MemorySegment.NULL, err));
                    check(rc, err, bridge);
                    return copy(out);
                } finally {
                    fns.transcriptFree(out);
                    Reference.reachabilityFence(flag);
                }
            }
        });
    }

    private static Transcript copy(MemorySegment t) {
        int n = sw_transcript.n_segments(t);
        MemorySegment segs = sw_transcript.segments(t);
        List<Transcript.Segment> segments = new ArrayList<>(Math.max(n, 0));
        if (n > 0 && segs.address() != 0) {
            segs = segs.reinterpret(n * sw_segment.sizeof());
            for (int i = 0; i < n; i++) {
                MemorySegment s = sw_segment.asSlice(segs, i);
                int nw = sw_segment.n_words(s);
                MemorySegment ws = sw_segment.words(s);
                List<Transcript.Word> words = new ArrayList<>(Math.max(nw, 0));
                if (nw > 0 && ws.address() != 0) {
                    ws = ws.reinterpret(nw * sw_word.sizeof());
                    for (int j = 0; j < nw; j++) {
                        MemorySegment w = sw_word.asSlice(ws, j);
                        words.add(new Transcript.Word(sw_word.t0_ms(w), sw_word.t1_ms(w),
                                nullToEmpty(Marshal.string(sw_word.text(w))), sw_word.p(w)));
                    }
                }
                segments.add(new Transcript.Segment(sw_segment.t0_ms(s), sw_segment.t1_ms(s),
                        nullToEmpty(Marshal.string(sw_segment.text(s))), words));
            }
        }
        return new Transcript(Marshal.string(sw_transcript.language(t)), segments);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
