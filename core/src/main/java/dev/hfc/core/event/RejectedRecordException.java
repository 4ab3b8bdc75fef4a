package dev.hfc.core.event;

/** Thrown where an API can only signal by exception (Kafka deserializers); carries the typed rejection. */
public final class RejectedRecordException extends RuntimeException {
    private final transient Rejection rejection;

    public RejectedRecordException(Rejection rejection) {
        super(rejection.toString());
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }
}
