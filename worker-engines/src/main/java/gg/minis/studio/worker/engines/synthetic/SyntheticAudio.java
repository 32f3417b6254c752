package gg.minis.studio.worker.engines.synthetic;

import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.task.TtsTask;
import gg.minis.studio.worker.engines.media.WavEncoder;

/** Speech stand-in: one short tone per character, pitched by the character, so output length tracks the text. */
final class SyntheticAudio {
    static final int SAMPLE_RATE = 24_000;
    private static final double SECONDS_PER_CHAR = 0.06;

    private SyntheticAudio() {}

    static BinaryResult speak(TtsTask task) throws EngineException {
        if (!task.ext().equalsIgnoreCase("wav")) {
            throw EngineException.permanent("unsupported audio_tts ext '" + task.ext()
                    + "': the synthetic engine writes wav");
        }
        double speed = task.speed() == null ? 1.0 : task.speed();
        if (!(speed >= 0.25 && speed <= 4.0)) {
            throw EngineException.permanent("task.speed must be 0.25..4.0, got " + task.speed());
        }
        String text = task.text().isBlank() ? " " : task.text();
        int perChar = (int) (SAMPLE_RATE * SECONDS_PER_CHAR / speed);
        float[] samples = new float[perChar * text.length()];
        for (int c = 0; c < text.length(); c++) {
            char ch = text.charAt(c);
            double freq = Character.isWhitespace(ch) ? 0 : 180 + (ch % 32) * 12;
            for (int i = 0; i < perChar; i++) {
                double envelope = Math.sin(Math.PI * i / perChar); // no clicks between tones
                samples[c * perChar + i] = (float) (0.3 * envelope * Math.sin(2 * Math.PI * freq * i / SAMPLE_RATE));
            }
        }
        return new BinaryResult(WavEncoder.encodePcm16(samples, SAMPLE_RATE, 1), "wav");
    }
}
