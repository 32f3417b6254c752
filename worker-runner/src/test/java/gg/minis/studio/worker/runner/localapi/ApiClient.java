package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.protocol.WireJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A real JDK HttpClient against the local API, with the token (or not). */
final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final URI base;
    private final String token;

    ApiClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    ApiClient withToken(String other) {
        return new ApiClient(base, other);
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    HttpResponse<byte[]> post(String path, String json) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<byte[]> post(String path, Object body) throws IOException, InterruptedException {
        return post(path, WireJson.encode(body));
    }

    HttpResponse<byte[]> put(String path, Object body) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(WireJson.encode(body))).build());
    }

    HttpResponse<byte[]> delete(String path) throws IOException, InterruptedException {
        return send(request(path).DELETE().build());
    }

    static JsonNode json(HttpResponse<byte[]> response) throws IOException {
        return WireJson.mapper().readTree(response.body());
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /**
     * A hand-written HTTP/1.1 request over a socket, for headers the JDK client will not send (Host). Returns the whole
     * response text (the server closes: {@code Connection: close}).
     */
    String raw(String method, String path, String host, String extraHeaders) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(15_000);
            String req = method + " " + path + " HTTP/1.1\r\n"
                    + "Host: " + host + "\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + extraHeaders
                    + "Connection: close\r\n"
                    + "Content-Length: 0\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(req.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toString(StandardCharsets.UTF_8);
        }
    }
}
