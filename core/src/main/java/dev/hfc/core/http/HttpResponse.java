package dev.hfc.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One HTTP response, and the one place the project builds them: plain text, JSON, an HTML page of the public
 * endpoints, 405 with its {@code Allow}. Every response says {@code Cache-Control: no-store} (nothing of ours
 * should sit in a shared cache) and {@code X-Content-Type-Options: nosniff}. HEAD is answered by the listener
 * as the GET without its body.
 */
public record HttpResponse(int status, String contentType, Map<String, String> headers, byte[] body) {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String HTML = "text/html; charset=utf-8";

    public HttpResponse {
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    public static HttpResponse bytes(int status, String contentType, byte[] body) {
        return new HttpResponse(status, contentType, Map.of(), body);
    }

    /** A plain-text response; a line break is added when {@code text} has none at its end. */
    public static HttpResponse text(int status, String text) {
        return bytes(status, TEXT, (text.endsWith("\n") ? text : text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public static HttpResponse json(int status, Object value) {
        try {
            return bytes(status, "application/json", JSON.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the response as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * A small, self-contained HTML page (the public pages recipients see): {@code title} is escaped,
     * {@code content} is HTML the caller built with {@link #escape}.
     */
    public static HttpResponse page(int status, String title, String content) {
        String html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
                + "<title>" + escape(title)
                + "</title></head><body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\">"
                + "<h1>" + escape(title) + "</h1>" + content + "</body></html>";
        return bytes(status, HTML, html.getBytes(StandardCharsets.UTF_8))
                .withHeader(
                        "Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
    }

    /** 405, naming the methods the path takes. */
    public static HttpResponse methodNotAllowed(String... allowed) {
        return text(405, "method not allowed").withHeader("Allow", String.join(", ", allowed));
    }

    public static HttpResponse notFound() {
        return text(404, "not found");
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new HttpResponse(status, contentType, h, body);
    }

    /** Escapes text for HTML content and attribute values. */
    public static String escape(String s) {
        return s.replace("&", "&amp;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;")
                .replace("<", "&lt;")
                .replace(">", "&gt;");
    }
}
