package dev.hfc.core.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request as a route sees it, whatever server carried it: the method, the path, the decoded query,
 * the headers (names lower-cased) and the whole body, already read within the listener's size limit.
 *
 * @param remote the client's address, for logs
 */
public record HttpRequest(
        String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body, String remote) {

    public HttpRequest {
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    /** The first value of query parameter {@code name}, decoded, or null. */
    public String query(String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The first value of header {@code name} (any case), or null. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public boolean isHead() {
        return "HEAD".equals(method);
    }

    /** GET, or HEAD (answered as GET without the body). */
    public boolean isRead() {
        return "GET".equals(method) || isHead();
    }
}
