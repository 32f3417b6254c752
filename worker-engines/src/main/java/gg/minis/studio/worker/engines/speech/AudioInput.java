package gg.minis.studio.worker.engines.speech;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.engines.support.InputFetcher;
import gg.minis.studio.worker.natives.SttContext;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The audio of a speech job as whisper wants it: fetched ({@link InputFetcher}), decoded (WAV in Java by
 * {@link WavDecoder}, anything else by {@link FfmpegDecoder} when ffmpeg is available), mono, 16 kHz
 * ({@link Resampler}).
 */
final class AudioInput {
    static final String FIELD = "task.inputUrl";
    /** Largest audio file accepted (about 1.5 h of 48 kHz stereo 16-bit WAV). */
    static final long MAX_BYTES = 1L << 30;

    private final InputFetcher fetcher;
    private final Supplier<Optional<Path>> ffmpeg;

    AudioInput(InputFetcher fetcher, Supplier<Optional<Path>> ffmpeg) {
        this.fetcher = fetcher;
        this.ffmpeg = ffmpeg;
    }

    float[] pcm16k(String url, CancellationToken cancel) throws EngineException {
        byte[] bytes = fetcher.fetch(FIELD, url, MAX_BYTES, cancel);
        return decode(bytes, url, cancel);
    }

    float[] decode(byte[] bytes, String url, CancellationToken cancel) throws EngineException {
        String what = FIELD + " (" + InputFetcher.redact(url) + ")";
        String reason;
        if (WavDecoder.isWav(bytes)) {
            try {
                WavDecoder.Pcm pcm = WavDecoder.decode(bytes);
                cancel.throwIfCancelled();
                return Resampler.resample(pcm.samples(), pcm.sampleRate(), SttContext.SAMPLE_RATE);
            } catch (WavDecoder.UnsupportedEncoding e) {
                reason = what + ": " + e.getMessage();
            } catch (WavDecoder.InvalidWav e) {
                throw EngineException.permanent(what + " is not a valid WAV file: " + e.getMessage());
            }
        } else {
            reason = "audio format of " + what + " is not WAV";
        }
        Optional<Path> exe = ffmpeg.get();
        if (exe.isEmpty()) {
            throw EngineException.permanent(reason + " and ffmpeg is not installed (install ffmpeg, or send "
                    + "PCM or float WAV)");
        }
        return new FfmpegDecoder(exe.get()).decode(bytes, what, cancel);
    }
}
