package gg.minis.studio.worker.natives;

import java.util.List;
import java.util.stream.Collectors;

/** A transcription result, copied out of the native {@code sw_transcript}. */
public record Transcript(String language, List<Segment> segments) {
    public Transcript {
        segments = List.copyOf(segments);
    }

    /** All segment texts, space-separated. */
    public String text() {
        return segments.stream().map(Segment::text).map(String::strip).collect(Collectors.joining(" "));
    }

    /** @param words empty unless word timestamps were requested */
    public record Segment(long t0Ms, long t1Ms, String text, List<Word> words) {
        public Segment {
            words = List.copyOf(words);
        }
    }

    /** @param p probability 0..1 */
    public record Word(long t0Ms, long t1Ms, String text, float p) {}
}
