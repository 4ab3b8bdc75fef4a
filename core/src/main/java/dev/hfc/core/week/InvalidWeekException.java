package dev.hfc.core.week;

/** A week label or number that does not name an ISO-8601 week. The message says what was wrong. */
public final class InvalidWeekException extends IllegalArgumentException {
    public InvalidWeekException(String message) {
        super(message);
    }
}
