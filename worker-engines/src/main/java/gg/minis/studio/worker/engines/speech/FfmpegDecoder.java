package gg.minis.studio.worker.engines.speech;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Decodes any audio ffmpeg reads to 16 kHz mono float: {@code ffmpeg -i <file> -f f32le -ac 1 -ar 16000 -}. The
 * input goes through a temporary file (containers such as MP4 need to seek); the samples come back on stdout.
 */
final class FfmpegDecoder {
    private final Path executable;

    FfmpegDecoder(Path executable) {
        this.executable = executable;
    }

    Path executable() {
        return executable;
    }

    /** {@code ffmpeg} (or {@code ffmpeg.exe}) from the first PATH directory that has it. */
    static Optional<Path> onPath(String pathVariable) {
        if (pathVariable == null || pathVariable.isBlank()) {
            return Optional.empty();
        }
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            for (String name : windows ? List.of("ffmpeg.exe", "ffmpeg") : List.of("ffmpeg")) {
                try {
                    Path candidate = Path.of(dir.strip(), name);
                    if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                        return Optional.of(candidate);
                    }
                } catch (RuntimeException ignored) {
                    // an unusable PATH entry
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The samples of {@code audio}.
     *
     * @param what names the input in messages, e.g. {@code task.inputUrl (https://host/a.mp3)}
     * @throws EngineException permanent when ffmpeg cannot decode it, naming {@code what} and ffmpeg's last words
     */
    float[] decode(byte[] audio, String what, CancellationToken cancel) throws EngineException {
        Path tmp = null;
        Process process = null;
        try {
            tmp = Files.createTempFile("sw-audio-", ".bin");
            Files.write(tmp, audio);
            process = new ProcessBuilder(executable.toString(), "-nostdin", "-hide_banner", "-loglevel", "error",
                    "-i", tmp.toString(), "-f", "f32le", "-ac", "1", "-ar", "16000", "-").start();
            Process running = process;
            running.getOutputStream().close(); // nothing on stdin (and -nostdin)
            cancel.onCancel(running::destroyForcibly);
            CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(running.getErrorStream()));
            byte[] pcm = readAllOrThrow(running.getInputStream());
            int exit = running.waitFor();
            cancel.throwIfCancelled();
            if (exit != 0) {
                throw EngineException.permanent(what + " could not be decoded by ffmpeg (exit " + exit + "): "
                        + lastLine(new String(stderr.get(), StandardCharsets.UTF_8)));
            }
            if (pcm.length < 4) {
                throw EngineException.permanent(what + " holds no audio (ffmpeg decoded 0 samples)");
            }
            float[] out = new float[pcm.length / 4];
            ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            cancel.throwIfCancelled();
            throw new EngineException("running ffmpeg (" + executable + ") for " + what + " failed: " + e, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobCancelledException("interrupted while ffmpeg decoded " + what);
        } catch (ExecutionException e) {
            throw new EngineException("reading ffmpeg's messages failed: " + e.getCause(), true, e);
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
            }
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temp file left behind is not worth failing the job
                }
            }
        }
    }

    private static byte[] readAllOrThrow(InputStream in) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    private static byte[] readAll(InputStream in) {
        try {
            return readAllOrThrow(in);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\\R");
        String last = lines.length == 0 ? "" : lines[lines.length - 1].strip();
        return last.isEmpty() ? "(no message)" : last.length() > 300 ? last.substring(0, 300) + "..." : last;
    }
}
