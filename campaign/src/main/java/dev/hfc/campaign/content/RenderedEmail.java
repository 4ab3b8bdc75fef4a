package dev.hfc.campaign.content;

import java.util.Objects;

/** A campaign message ready to send: its subject, its plain-text and HTML bodies. */
public record RenderedEmail(String subject, String text, String html) {

    public RenderedEmail {
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
