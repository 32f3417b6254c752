package gg.minis.studio.worker.runner.studio;

import gg.minis.studio.worker.api.job.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Binary completion: {@code POST .../workers/{workerId}/jobs/{jobId}/complete}, multipart/form-data with text parts
 * {@code prompt} and {@code ext} and the file part {@code image} named {@code {jobId}.{ext}}.
 */
public final class ResultUploader {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final HttpClient http;
    private final StudioEndpoints endpoints;
    private final Duration timeout;
    private final String userAgent;
    private final SecureRandom random = new SecureRandom();

    public ResultUploader(HttpClient http, StudioEndpoints endpoints, Duration timeout, String userAgent) {
        this.http = http;
        this.endpoints = endpoints;
        this.timeout = timeout;
        this.userAgent = userAgent;
    }

    /** Uploads one result; returns the HTTP status (always 2xx) or throws {@link UploadException}. */
    public int upload(String workerId, String authToken, String jobId, String prompt, String ext, byte[] bytes)
            throws UploadException, InterruptedException {
        String boundary = "----studio-worker-" + HexFormat.of().formatHex(random.generateSeed(12));
        byte[] body = multipart(boundary, jobId, prompt, ext, bytes);
        HttpRequest request = HttpRequest.newBuilder(endpoints.complete(workerId, jobId))
                .timeout(timeout)
                .header("Authorization", "Bearer " + authToken)
                .header("User-Agent", userAgent)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new UploadException("upload of job " + jobId + " timed out after " + timeout.toSeconds() + " s",
                    0, true, e);
        } catch (IOException e) {
            throw new UploadException("upload of job " + jobId + " failed: " + e, 0, true, e);
        }
        int status = response.statusCode();
        if (status / 100 != 2) {
            String body1 = response.body() == null ? "" : response.body().strip();
            if (body1.length() > 300) {
                body1 = body1.substring(0, 300) + "…";
            }
            throw new UploadException("upload of job " + jobId + " answered HTTP " + status
                    + (body1.isEmpty() ? "" : ": " + body1), status, UploadException.retryableStatus(status), null);
        }
        return status;
    }

    static byte[] multipart(String boundary, String jobId, String prompt, String ext, byte[] bytes) {
        var out = new ByteArrayOutputStream(bytes.length + 1024);
        textPart(out, boundary, "prompt", prompt == null ? "" : prompt);
        textPart(out, boundary, "ext", ext);
        write(out, "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"image\"; filename=\"" + quote(jobId + "." + ext) + "\"\r\n"
                + "Content-Type: " + MediaTypes.forExtension(ext) + "\r\n\r\n");
        out.writeBytes(bytes);
        write(out, "\r\n--" + boundary + "--\r\n");
        return out.toByteArray();
    }

    private static void textPart(ByteArrayOutputStream out, String boundary, String name, String value) {
        write(out, "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + name + "\"\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\n");
        write(out, value);
        write(out, "\r\n");
    }

    private static String quote(String filename) {
        return filename.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "").replace("\n", "");
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}
