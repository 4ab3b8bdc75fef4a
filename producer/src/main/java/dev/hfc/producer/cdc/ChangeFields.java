package dev.hfc.producer.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hfc.core.event.RejectReason;
import java.io.IOException;
import java.util.UUID;
import org.apache.kafka.connect.data.Struct;

/**
 * Reads a change's columns as text from Debezium's JSON or a Connect {@code Struct}, and refuses a value that
 * is not what it should be with a reason and a message naming the field ({@link ChangeMapper}'s shared part).
 */
final class ChangeFields {

    static final ObjectMapper JSON = new ObjectMapper();

    private ChangeFields() {}

    /** A row's columns by name, as text; null for a missing column or SQL NULL. */
    @FunctionalInterface
    interface Fields {
        String text(String column);
    }

    /** A row that cannot be mapped, and why. */
    static final class Refused extends RuntimeException {
        final RejectReason reason;

        Refused(RejectReason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    /** The columns of a row object of Debezium's JSON, or null when the row is absent. */
    static Fields fields(JsonNode row) {
        if (row == null || row.isNull() || !row.isObject()) {
            return null;
        }
        return column -> {
            JsonNode n = row.get(column);
            return n == null || n.isNull() ? null : n.asText();
        };
    }

    static String text(Fields row, String field) {
        return row.text(field);
    }

    static UUID uuid(Fields row, String field) {
        String s = text(row, field);
        return dev.hfc.core.event.UserIds.parse(s)
                .orElseThrow(() -> new Refused(
                        RejectReason.INVALID_USER_ID,
                        field + " is " + (s == null ? "null" : "'" + s + "'") + ", not a UUID"));
    }

    /** The columns of Debezium's JSON key, or null when there is no readable key. */
    static Fields jsonFields(String key) {
        if (key == null) {
            return null;
        }
        try {
            return fields(JSON.readTree(key));
        } catch (IOException e) {
            return null;
        }
    }

    /** The columns of a row {@code Struct}, or null when the row is absent. */
    static Fields fields(Struct row) {
        if (row == null) {
            return null;
        }
        return column -> {
            Object v = field(row, column);
            return v == null ? null : v.toString();
        };
    }

    /** A field's value, or null when the struct's schema has no such field. */
    static Object field(Struct struct, String name) {
        return struct.schema().field(name) == null ? null : struct.get(name);
    }

    static Struct struct(Struct parent, String name) {
        return field(parent, name) instanceof Struct s ? s : null;
    }

    static String text(Struct struct, String name) {
        Object v = field(struct, name);
        return v == null ? null : v.toString();
    }
}
