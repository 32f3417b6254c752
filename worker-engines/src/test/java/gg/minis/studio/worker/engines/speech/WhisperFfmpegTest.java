package gg.minis.studio.worker.engines.speech;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Non-WAV audio goes through ffmpeg. A stand-in script (records its arguments, prints prepared f32le samples or
 * fails like ffmpeg) checks the plumbing everywhere a POSIX shell exists; the real ffmpeg, when installed, decodes a
 * FLAC it made itself.
 */
class WhisperFfmpegTest extends WhisperFixture {

    private Path fakeFfmpeg(String body) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/sh")),
                "a POSIX /bin/sh is needed for the stand-in ffmpeg");
        Path script = dir.resolve("ffmpeg");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    @Test
    void nonWavAudioIsDecodedByFfmpegToF32le16kMono() throws Exception {
        // 1.5 s of a constant 0.25: what the stand-in "decodes" any input to
        ByteBuffer raw = ByteBuffer.allocate(24000 * 4).order(ByteOrder.LITTLE_ENDIAN);
        while (raw.hasRemaining()) {
            raw.putFloat(0.25f);
        }
        Path samples = dir.resolve("samples.f32");
        Files.write(samples, raw.array());
        Path args = dir.resolve("args.txt");
        Path ffmpeg = fakeFfmpeg("echo \"$@\" > '" + args + "'\ncat '" + samples + "'");
        engine.close();
        engine = engine(ffmpeg);

        JsonNode json = run(claim(task(fileUrl("OggS fake vorbis".getBytes()))));

        assertThat(json.get("text").asText()).isEqualTo("samples=16000 rms=0.2500 samples=8000 rms=0.2500");
        assertThat(json.get("duration").asDouble()).isEqualTo(1.5);
        String argLine = Files.readString(args).strip();
        assertThat(argLine).startsWith("-nostdin -hide_banner -loglevel error -i ")
                .endsWith(" -f f32le -ac 1 -ar 16000 -");
        Path input = Path.of(argLine.split(" -i ")[1].split(" ")[0]);
        assertThat(input).as("the temporary input file is removed").doesNotExist();
    }

    @Test
    void whatFfmpegCannotDecodeIsPermanentWithItsMessage() throws Exception {
        engine.close();
        engine = engine(fakeFfmpeg("echo 'first line' >&2\necho 'x: Invalid data found when processing input' >&2\n"
                + "exit 183"));
        String url = fileUrl("not audio at all".getBytes());
        EngineException e = failure(claim(task(url)));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessage("task.inputUrl (" + url + ") could not be decoded by ffmpeg (exit 183): "
                + "x: Invalid data found when processing input");
        engine.close();
        engine = engine(null);
        assertNextJobSucceeds();
    }

    @Test
    void wavNeverGoesThroughFfmpeg() throws Exception {
        engine.close();
        engine = engine(fakeFfmpeg("exit 1"));
        assertNextJobSucceeds();
    }

    @Test
    void ffmpegIsFoundOnPath() throws Exception {
        Path ffmpeg = fakeFfmpeg("exit 0");
        String path = String.join(java.io.File.pathSeparator, "/nonexistent-dir", dir.toString());
        assertThat(FfmpegDecoder.onPath(path)).contains(ffmpeg);
        assertThat(FfmpegDecoder.onPath("/nonexistent-dir")).isEmpty();
        assertThat(FfmpegDecoder.onPath(null)).isEmpty();
    }

    @Test
    void theRealFfmpegDecodesFlac() throws Exception {
        Optional<Path> real = FfmpegDecoder.onPath(System.getenv("PATH"));
        Assumptions.assumeTrue(real.isPresent(), "ffmpeg is not installed: the real-ffmpeg test is skipped");
        Path wav = dir.resolve("in.wav");
        Path flac = dir.resolve("in.flac");
        Files.write(wav, TestWavs.wav(44100, TestWavs.Encoding.S16, TestWavs.sine(2.0, 44100, 440, 0.5)));
        Process p = new ProcessBuilder(List.of(real.get().toString(), "-nostdin", "-loglevel", "error", "-i",
                wav.toString(), flac.toString())).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        engine.close();
        engine = engine(real.get());
        JsonNode json = run(engine, claim(task(flac.toUri().toString())), CancellationToken.none());
        assertThat(json.get("segments")).hasSize(2);
        assertThat(json.get("text").asText()).contains("samples=16000 rms=0.35");
    }
}
