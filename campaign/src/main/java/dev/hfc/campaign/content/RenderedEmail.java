package dev.hfc.campaign.content;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** A campaign message ready to send: its subject, its plain-text and HTML bodies, and extra headers. */
public record RenderedEmail(String subject, String text, String html, Map<String, String> headers) {

    public RenderedEmail(String subject, String text, String html) {
        this(subject, text, html, Map.of());
    }

    /** The same message with {@code extra} headers added (e.g. List-Unsubscribe). */
    public RenderedEmail withHeaders(Map<String, String> extra) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.putAll(extra);
        return new RenderedEmail(subject, text, html, all);
    }

    public RenderedEmail {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
        headers.forEach((name, value) -> {
            if (!name.matches("[A-Za-z0-9-]+") || value.contains("\r") || value.contains("\n")) {
                throw new IllegalArgumentException("header '" + name + "' is not a single-line header");
            }
        });
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(html, "html");
        if (subject.isBlank()) {
            throw new IllegalArgumentException("the subject template rendered an empty subject");
        }
        if (subject.contains("\n") || subject.contains("\r")) {
            // A header value with a line break would be folded unpredictably or inject headers.
            throw new IllegalArgumentException("the subject template rendered a line break: '" + subject + "'");
        }
    }
}
