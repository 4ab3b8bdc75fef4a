package dev.hfc.core.event;

/** Why a record was not accepted. The code travels in the {@code hfc.reason} header of a DLQ record. */
public enum RejectReason {
    OVERSIZED("oversized"),
    MALFORMED_JSON("malformed-json"),
    UNSUPPORTED_SCHEMA_VERSION("unsupported-schema-version"),
    MISSING_FIELD("missing-field"),
    WRONG_TYPE("wrong-type"),
    INVALID_USER_ID("invalid-user-id"),
    INVALID_WEEK("invalid-week"),
    DUPLICATE_WEEK("duplicate-week"),
    UNKNOWN_STATUS("unknown-status"),
    UNKNOWN_OP("unknown-op"),
    UNKNOWN_SEGMENT("unknown-segment"),
    INVALID_EMAIL("invalid-email"),
    KEY_MISMATCH("key-mismatch"),
    WRONG_PARTITION("wrong-partition"),
    MISSING_CUSTOMER("missing-customer"),
    REJECTED_BY_DATABASE("rejected-by-database");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    /** A stable, lower-case code for headers, metrics and logs. */
    public String code() {
        return code;
    }
}
