package gg.minis.studio.worker.runner.localstudio;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A multipart/form-data body built by hand, the way the protocol's binary complete sends it. */
final class Multipart {
    private final String boundary = "----studio-test-" + System.nanoTime();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Multipart text(String name, String value) {
        write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\n");
        write(value);
        write("\r\n");
        return this;
    }

    Multipart file(String name, String filename, String contentType, byte[] bytes) {
        write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
        out.writeBytes(bytes);
        write("\r\n");
        return this;
    }

    /** The standard complete: prompt, ext and image {jobId}.{ext}. */
    static Multipart complete(String jobId, String prompt, String ext, String contentType, byte[] bytes) {
        return new Multipart().text("prompt", prompt).text("ext", ext).file("image", jobId + "." + ext, contentType, bytes);
    }

    HttpResponse<String> post(LocalStudio studio, String workerId, String jobId, String token, Duration timeout)
            throws Exception {
        write("--" + boundary + "--\r\n");
        URI uri = URI.create(studio.apiUrl() + "/workers/" + workerId + "/jobs/" + jobId + "/complete");
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray()));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return RawWorker.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(LocalStudio studio, String workerId, String jobId, String token) throws Exception {
        return post(studio, workerId, jobId, token, RawWorker.WAIT);
    }

    private void write(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
