package gg.minis.studio.worker.natives.real;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a tiny whisper.cpp model with random weights in the legacy ggml format that {@code whisper_init_from_file}
 * reads ({@code whisper_model_load} in whisper.cpp): magic, hparams, mel filters, vocabulary, then the tensors.
 * Everything is little-endian; tensors are F32 ({@code ftype} 0), dimensions in ggml order (ne0 fastest).
 *
 * <p>The model is a real whisper architecture with small dimensions (one encoder and one decoder layer, width 64,
 * a 64-token text context) and the full-size vocabulary ({@value #N_VOCAB} tokens, multilingual, so the special
 * token ids are the standard ones and language detection runs). Its transcripts are garbage, but every code path
 * of a real transcription runs: mel spectrogram, encoder, decoder, timestamps, temperature fallback.
 */
public final class TinyWhisperModel {
    /** Multilingual vocabulary size (51864 = English-only; whisper derives the special token ids from it). */
    public static final int N_VOCAB = 51865;
    static final int N_AUDIO_CTX = 1500;   // 30 s windows of 2 * 1500 mel frames, as every whisper model
    static final int N_STATE = 64;         // n_audio_state == n_text_state (whisper.cpp requires it)
    static final int N_HEAD = 2;
    static final int N_AUDIO_LAYER = 1;
    static final int N_TEXT_CTX = 64;      // at most 64/2 - 4 tokens per window: fast decoding
    static final int N_TEXT_LAYER = 1;
    static final int N_MELS = 80;
    static final int N_FFT_BINS = 1 + 400 / 2; // WHISPER_N_FFT = 400
    static final int GGML_FILE_MAGIC = 0x67676d6c; // "ggml"
    /** Text tokens written to the file: ids 0..50256; whisper names the special tokens above (eot = 50257). */
    static final int N_TEXT_TOKENS = 50257;

    private TinyWhisperModel() {}

    private record Tensor(String name, int[] ne, boolean norm, boolean bias) {
        long count() {
            long n = 1;
            for (int d : ne) {
                n *= d;
            }
            return n;
        }
    }

    /** Writes the model to {@code out} (about 14 MB) and returns {@code out}. */
    public static Path write(Path out, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        try (OutputStream file = Files.newOutputStream(out);
             DataOutputStream data = new DataOutputStream(new BufferedOutputStream(file, 1 << 20))) {
            LittleEndian le = new LittleEndian(data);
            le.i32(GGML_FILE_MAGIC);
            // hparams, in whisper_model_load's order
            le.i32(N_VOCAB);
            le.i32(N_AUDIO_CTX);
            le.i32(N_STATE);
            le.i32(N_HEAD);
            le.i32(N_AUDIO_LAYER);
            le.i32(N_TEXT_CTX);
            le.i32(N_STATE);
            le.i32(N_HEAD);
            le.i32(N_TEXT_LAYER);
            le.i32(N_MELS);
            le.i32(0); // ftype: all F32

            // mel filters: n_mel x n_fft, triangular filters over the 201 FFT bins
            le.i32(N_MELS);
            le.i32(N_FFT_BINS);
            for (int m = 0; m < N_MELS; m++) {
                double center = 1 + (N_FFT_BINS - 2) * (m + 1.0) / (N_MELS + 1);
                double width = Math.max(1.5, (N_FFT_BINS - 2.0) / (N_MELS + 1));
                for (int k = 0; k < N_FFT_BINS; k++) {
                    le.f32((float) Math.max(0, 1 - Math.abs(k - center) / width) * 0.01f);
                }
            }

            // vocabulary: printable ASCII pieces, every second one with a leading space (a new word),
            // and the single space whisper.cpp requires
            le.i32(N_TEXT_TOKENS);
            for (int i = 0; i < N_TEXT_TOKENS; i++) {
                byte[] piece = token(i).getBytes(StandardCharsets.US_ASCII);
                le.i32(piece.length);
                data.write(piece);
            }

            for (Tensor t : tensors()) {
                le.i32(t.ne().length);
                byte[] name = t.name().getBytes(StandardCharsets.US_ASCII);
                le.i32(name.length);
                le.i32(0); // GGML_TYPE_F32
                for (int d : t.ne()) {
                    le.i32(d);
                }
                data.write(name);
                for (long i = 0, n = t.count(); i < n; i++) {
                    le.f32(t.norm() ? 1f : t.bias() ? 0f : (float) random.nextDouble(-0.05, 0.05));
                }
            }
        }
        return out;
    }

    static String token(int i) {
        if (i == 220) {
            return " "; // whisper.cpp looks this one up by text ("suppress blank"), as in the GPT-2 vocabulary
        }
        if (i < 94) {
            return String.valueOf((char) ('!' + i));
        }
        StringBuilder sb = new StringBuilder(i % 2 == 0 ? " " : "");
        for (int v = i; v > 0; v /= 26) {
            sb.append((char) ('a' + v % 26));
        }
        return sb.toString();
    }

    private static List<Tensor> tensors() {
        int s = N_STATE;
        List<Tensor> t = new ArrayList<>();
        t.add(w("encoder.positional_embedding", s, N_AUDIO_CTX));
        t.add(w("encoder.conv1.weight", 3, N_MELS, s));
        t.add(b("encoder.conv1.bias", 1, s));
        t.add(w("encoder.conv2.weight", 3, s, s));
        t.add(b("encoder.conv2.bias", 1, s));
        t.add(n("encoder.ln_post.weight", s));
        t.add(b("encoder.ln_post.bias", s));
        for (int l = 0; l < N_AUDIO_LAYER; l++) {
            block(t, "encoder.blocks." + l + ".", "attn", s);
        }
        t.add(w("decoder.positional_embedding", s, N_TEXT_CTX));
        t.add(w("decoder.token_embedding.weight", s, N_VOCAB));
        t.add(n("decoder.ln.weight", s));
        t.add(b("decoder.ln.bias", s));
        for (int l = 0; l < N_TEXT_LAYER; l++) {
            String p = "decoder.blocks." + l + ".";
            block(t, p, "attn", s);
            t.add(n(p + "cross_attn_ln.weight", s));
            t.add(b(p + "cross_attn_ln.bias", s));
            t.add(w(p + "cross_attn.query.weight", s, s));
            t.add(b(p + "cross_attn.query.bias", s));
            t.add(w(p + "cross_attn.key.weight", s, s));
            t.add(w(p + "cross_attn.value.weight", s, s));
            t.add(b(p + "cross_attn.value.bias", s));
            t.add(w(p + "cross_attn.out.weight", s, s));
            t.add(b(p + "cross_attn.out.bias", s));
        }
        return t;
    }

    /** The self-attention + MLP tensors every encoder and decoder block has. */
    private static void block(List<Tensor> t, String p, String attn, int s) {
        t.add(n(p + "mlp_ln.weight", s));
        t.add(b(p + "mlp_ln.bias", s));
        t.add(w(p + "mlp.0.weight", s, 4 * s));
        t.add(b(p + "mlp.0.bias", 4 * s));
        t.add(w(p + "mlp.2.weight", 4 * s, s));
        t.add(b(p + "mlp.2.bias", s));
        t.add(n(p + attn + "_ln.weight", s));
        t.add(b(p + attn + "_ln.bias", s));
        t.add(w(p + attn + ".query.weight", s, s));
        t.add(b(p + attn + ".query.bias", s));
        t.add(w(p + attn + ".key.weight", s, s));
        t.add(w(p + attn + ".value.weight", s, s));
        t.add(b(p + attn + ".value.bias", s));
        t.add(w(p + attn + ".out.weight", s, s));
        t.add(b(p + attn + ".out.bias", s));
    }

    private static Tensor w(String name, int... ne) {
        return new Tensor(name, ne, false, false);
    }

    private static Tensor b(String name, int... ne) {
        return new Tensor(name, ne, false, true);
    }

    private static Tensor n(String name, int... ne) {
        return new Tensor(name, ne, true, false);
    }

    /** Little-endian int32 / float32 on top of a DataOutputStream (which is big-endian). */
    private static final class LittleEndian {
        private final DataOutputStream out;
        private final ByteBuffer buf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);

        LittleEndian(DataOutputStream out) {
            this.out = out;
        }

        void i32(int v) throws IOException {
            buf.clear();
            buf.putInt(v);
            out.write(buf.array(), 0, 4);
        }

        void f32(float v) throws IOException {
            i32(Float.floatToRawIntBits(v));
        }
    }
}
