package dev.hfc.core.topic;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Where a replay starts: the beginning of the topics, or the first record at or after an instant. */
public record ReplayPoint(Instant from) {

    public static final ReplayPoint EARLIEST = new ReplayPoint(null);

    public boolean isEarliest() {
        return from == null;
    }

    /**
     * Parses {@code earliest} or an ISO-8601 instant ({@code 2026-11-28T09:00:00Z}) or date-time with offset
     * ({@code 2026-11-28T10:00:00+01:00}).
     */
    public static ReplayPoint parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a replay point is required: 'earliest' or an ISO-8601 instant");
        }
        if (text.equals("earliest")) {
            return EARLIEST;
        }
        try {
            return new ReplayPoint(Instant.parse(text));
        } catch (DateTimeParseException e) {
            try {
                return new ReplayPoint(OffsetDateTime.parse(text).toInstant());
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException(
                        "'" + text + "' is neither 'earliest' nor an ISO-8601 instant such as 2026-11-28T09:00:00Z");
            }
        }
    }

    @Override
    public String toString() {
        return isEarliest() ? "earliest" : from.toString();
    }
}
