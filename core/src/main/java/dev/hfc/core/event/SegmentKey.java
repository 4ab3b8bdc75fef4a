package dev.hfc.core.event;

import dev.hfc.core.week.InvalidWeekException;
import dev.hfc.core.week.Week;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/** The key of {@code hfc.customer-segments}: {@code <week>:<user_id>}, e.g. {@code 2026-W49:5f0c…}. */
public record SegmentKey(Week week, UUID userId) {

    public SegmentKey {
        Objects.requireNonNull(week, "week");
        Objects.requireNonNull(userId, "user_id");
    }

    public static DecodeResult<SegmentKey> decode(byte[] bytes) {
        if (bytes == null) {
            return DecodeResult.invalid(RejectReason.MISSING_FIELD, "record has no key (expected <week>:<user_id>)");
        }
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    public static DecodeResult<SegmentKey> parse(String key) {
        int colon = key.indexOf(':');
        if (colon != Week.LABEL_LENGTH) {
            return DecodeResult.invalid(
                    RejectReason.WRONG_TYPE,
                    "key '" + Fields.abbreviate(key) + "' is not of the form <week>:<user_id>");
        }
        Week week;
        try {
            week = Week.parse(key.substring(0, colon));
        } catch (InvalidWeekException e) {
            return DecodeResult.invalid(RejectReason.INVALID_WEEK, "key: " + e.getMessage());
        }
        return Fields.uuid("key user_id", key.substring(colon + 1)).map(u -> new SegmentKey(week, u));
    }

    public byte[] toBytes() {
        return toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return week + ":" + userId;
    }
}
