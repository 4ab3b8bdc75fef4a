package dev.hfc.core.event;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hfc.core.week.InvalidWeekException;
import dev.hfc.core.week.Week;
import java.util.UUID;

/** Typed reads of JSON fields; each failure is a {@link RejectedRecordException} naming the field. */
final class Fields {

    private Fields() {}

    static JsonNode required(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw reject(RejectReason.MISSING_FIELD, "field '" + field + "' is missing");
        }
        return node;
    }

    static String text(JsonNode root, String field) {
        JsonNode node = required(root, field);
        if (!node.isTextual()) {
            throw reject(RejectReason.WRONG_TYPE, "field '" + field + "' must be a string, got " + node.getNodeType());
        }
        return node.textValue();
    }

    /** A string field that may be absent or null. */
    static String optionalText(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw reject(RejectReason.WRONG_TYPE, "field '" + field + "' must be a string, got " + node.getNodeType());
        }
        return node.textValue();
    }

    static long integer(JsonNode root, String field) {
        JsonNode node = required(root, field);
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw reject(RejectReason.WRONG_TYPE, "field '" + field + "' must be an integer, got " + node);
        }
        return node.longValue();
    }

    static UUID uuidField(JsonNode root, String field) {
        return uuid(field, text(root, field)).orThrow();
    }

    static DecodeResult<UUID> uuid(String what, String text) {
        return UserIds.parse(text)
                .<DecodeResult<UUID>>map(DecodeResult::valid)
                .orElseGet(() -> DecodeResult.invalid(
                        RejectReason.INVALID_USER_ID,
                        what + " '" + abbreviate(text) + "' is not a UUID (expected 8-4-4-4-12 hex digits)"));
    }

    static Week week(JsonNode root, String field) {
        String label = text(root, field);
        try {
            return Week.parse(label);
        } catch (InvalidWeekException e) {
            throw reject(RejectReason.INVALID_WEEK, "field '" + field + "': " + e.getMessage());
        }
    }

    static void schemaVersion(JsonNode root, int supported) {
        long version = integer(root, "schema_version");
        if (version != supported) {
            throw reject(
                    RejectReason.UNSUPPORTED_SCHEMA_VERSION,
                    "schema_version " + version + " is not supported (this build reads " + supported + ")");
        }
    }

    static RejectedRecordException reject(RejectReason reason, String detail) {
        return new RejectedRecordException(new Rejection(reason, detail));
    }

    /** Bounded, single-line rendering of untrusted text for messages. */
    static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return s.length() > 64 ? b + "..." : b.toString();
    }
}
