package gg.minis.studio.worker.natives;

/**
 * The {@code sw_stt_params} of one transcription.
 *
 * @param language       ISO 639-1 code, {@code null} or "auto" to detect
 * @param translate      translate to English
 * @param initialPrompt  may be {@code null}
 * @param wordTimestamps fill {@link Transcript.Segment#words()}
 * @param threads        {@code <= 0}: the model's setting
 */
public record SttParams(String language, boolean translate, String initialPrompt, boolean wordTimestamps,
                        int threads) {

    /** Auto-detect the language, no translation, no prompt, no word timestamps. */
    public static SttParams defaults() {
        return new SttParams(null, false, null, false, 0);
    }

    public SttParams withLanguage(String language) {
        return new SttParams(language, translate, initialPrompt, wordTimestamps, threads);
    }

    public SttParams withTranslate(boolean translate) {
        return new SttParams(language, translate, initialPrompt, wordTimestamps, threads);
    }

    public SttParams withInitialPrompt(String initialPrompt) {
        return new SttParams(language, translate, initialPrompt, wordTimestamps, threads);
    }

    public SttParams withWordTimestamps(boolean wordTimestamps) {
        return new SttParams(language, translate, initialPrompt, wordTimestamps, threads);
    }

    public SttParams withThreads(int threads) {
        return new SttParams(language, translate, initialPrompt, wordTimestamps, threads);
    }
}
