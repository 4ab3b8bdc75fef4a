package dev.hfc.core.event;

import java.util.Objects;

/** A typed, explained refusal of one record: what kind of problem, and the specifics. */
public record Rejection(RejectReason reason, String detail) {
    public Rejection {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return reason.code() + ": " + detail;
    }
}
