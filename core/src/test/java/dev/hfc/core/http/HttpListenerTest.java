package dev.hfc.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The guard rails every listener has, tried with raw sockets as hostile clients would. */
class HttpListenerTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static final Map<String, Route> ROUTES = Map.of(
            "/health", request -> HttpResponse.text(200, "UP"),
            "/echo",
                    request -> HttpResponse.text(
                            200, request.method() + " " + request.body().length + " " + request.query("q")));

    @Test
    void sixtySlowClientsHoldNoThreadAndHealthStillAnswersWithinASecond() throws Exception {
        HttpListener.Settings settings = HttpListener.Settings.defaults("test", LOOPBACK)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30));
        try (HttpListener listener = HttpListener.start(settings, ROUTES)) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port());
                    // Ten send one byte of a request line and wait; fifty send headers promising a body that never
                    // comes
                    // (more than the pool's 32 threads: a listener that read bodies on a thread would be stuck).
                    String partial = i < 10 ? "G" : "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab";
                    s.getOutputStream().write(partial.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    slow.add(s);
                }
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    var health = get(listener, "/health");
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    assertThat(health.statusCode()).isEqualTo(200);
                    assertThat(ms)
                            .as("GET /health with 60 slow clients connected, in ms")
                            .isLessThan(1_000);
                    var post = http.send(
                            java.net.http.HttpRequest.newBuilder(uri(listener, "/echo?q=1"))
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                            "List-Unsubscribe=One-Click"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    assertThat(post.body()).isEqualTo("POST 26 1\n");
                }
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIsAnswered408AndTheConnectionClosed() throws Exception {
        HttpListener.Settings settings = HttpListener.Settings.defaults("test", LOOPBACK)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(500));
        try (HttpListener listener = HttpListener.start(settings, ROUTES);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream()
                    .write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"
                            .getBytes(StandardCharsets.US_ASCII));
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(reply).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        HttpListener.Settings settings = HttpListener.Settings.defaults("test", LOOPBACK)
                .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(5));
        try (HttpListener listener = HttpListener.start(settings, ROUTES);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            s.setSoTimeout(5_000);
            long start = System.nanoTime();
            s.getOutputStream().write('G');
            InputStream in = s.getInputStream();
            in.readAllBytes(); // returns when the server closes
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4_000);
        }
    }

    @Test
    void bodiesAndHeadersBeyondTheLimitsAreRefused() throws Exception {
        HttpListener.Settings settings =
                HttpListener.Settings.defaults("test", LOOPBACK).withMaxBodyBytes(1_000);
        try (HttpListener listener = HttpListener.start(settings, ROUTES)) {
            var announced = http.send(
                    java.net.http.HttpRequest.newBuilder(uri(listener, "/echo"))
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x".repeat(1_001)))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(announced.statusCode()).isEqualTo(413);
            assertThat(raw(
                            listener,
                            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                    + "7d0\r\n" + "y".repeat(2_000) + "\r\n0\r\n\r\n"))
                    .as("a chunked body without a length")
                    .startsWith("HTTP/1.1 413");
            var fits = http.send(
                    java.net.http.HttpRequest.newBuilder(uri(listener, "/echo"))
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x".repeat(1_000)))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(fits.body()).isEqualTo("POST 1000 null\n");
            assertThat(raw(
                            listener,
                            "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "z".repeat(9_000)
                                    + "\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 431");
        }
    }

    @Test
    void aFailingRouteAnswers500WithoutDetailsAndHeadHasNoBody() throws Exception {
        Map<String, Route> routes = Map.of(
                "/boom",
                request -> {
                    throw new IllegalStateException("secret detail");
                },
                "/health",
                request -> HttpResponse.text(200, "UP"));
        try (HttpListener listener = HttpListener.start(HttpListener.Settings.defaults("test", LOOPBACK), routes)) {
            var boom = get(listener, "/boom");
            assertThat(boom.statusCode()).isEqualTo(500);
            assertThat(boom.body()).doesNotContain("secret detail");
            assertThat(boom.headers().firstValue("Cache-Control")).hasValue("no-store");
            String head = raw(listener, "HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(head)
                    .startsWith("HTTP/1.1 200")
                    .contains("Content-Length: 3")
                    .endsWith("\r\n\r\n");
        }
    }

    private java.net.http.HttpResponse<String> get(HttpListener listener, String path) throws Exception {
        return http.send(
                java.net.http.HttpRequest.newBuilder(uri(listener, path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(HttpListener listener, String path) {
        return URI.create("http://127.0.0.1:" + listener.port() + path);
    }

    private static String raw(HttpListener listener, String request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
