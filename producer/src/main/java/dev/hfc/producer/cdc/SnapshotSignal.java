package dev.hfc.producer.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hfc.core.event.UserIds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A re-snapshot's signals, carried through the database's own change stream as logical decoding messages
 * ({@code pg_logical_emit_message(true, 'hfc.snapshot', <json>)}), so each has an exact place among the
 * changes: an operator's request ({@code hfc snapshot}, or the same call from psql), and the producer's own
 * watermarks around each chunk it reads ({@code low}, {@code high}) and marks around a snapshot of all
 * customers ({@code begin}, {@code end}). No table is needed in the source database.
 *
 * <pre>
 * {"kind":"request","slot":"hfc_slot","users":"all"}            (slot optional: any producer of the database)
 * {"kind":"request","users":["5f0c6b1e-...", ...]}
 * {"kind":"low","slot":"hfc_slot","id":"r1765-3"}                (the producer's own)
 * </pre>
 */
record SnapshotSignal(Kind kind, String slot, String id, List<UUID> users) {

    /** The logical message prefix of every signal. */
    static final String PREFIX = "hfc.snapshot";

    enum Kind {
        REQUEST,
        LOW,
        HIGH,
        BEGIN,
        END
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request for all customers ({@code users} null) or for the given ones. */
    static SnapshotSignal request(String slot, List<UUID> users) {
        return new SnapshotSignal(Kind.REQUEST, slot, null, users == null ? null : List.copyOf(users));
    }

    static SnapshotSignal of(Kind kind, String slot, String id) {
        return new SnapshotSignal(kind, slot, id, null);
    }

    boolean all() {
        return users == null;
    }

    /** Whether a producer reading {@code slotName} acts on it: its own slot's, or a request that names none. */
    boolean isFor(String slotName) {
        return slot == null ? kind == Kind.REQUEST : slot.equals(slotName);
    }

    String toJson() {
        ObjectNode o = JSON.createObjectNode().put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
        if (slot != null) {
            o.put("slot", slot);
        }
        if (id != null) {
            o.put("id", id);
        }
        if (kind == Kind.REQUEST) {
            if (users == null) {
                o.put("users", "all");
            } else {
                var array = o.putArray("users");
                users.forEach(u -> array.add(u.toString()));
            }
        }
        return o.toString();
    }

    /** The signal in a message's content; a message that is not one is refused with the reason. */
    static SnapshotSignal parse(byte[] content) {
        JsonNode root;
        try {
            root = JSON.readTree(content == null ? new byte[0] : content);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + new String(content, StandardCharsets.UTF_8));
        }
        Kind kind;
        try {
            kind = Kind.valueOf(root.path("kind").asText("").toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "'kind' must be request, low, high, begin or end, got " + root.get("kind"));
        }
        String slot = root.hasNonNull("slot") ? root.get("slot").asText() : null;
        if (kind != Kind.REQUEST) {
            if (!root.hasNonNull("id") || slot == null) {
                throw new IllegalArgumentException("a " + kind + " signal needs 'slot' and 'id'");
            }
            return of(kind, slot, root.get("id").asText());
        }
        JsonNode users = root.get("users");
        if (users != null && users.isTextual() && users.asText().equals("all")) {
            return request(slot, null);
        }
        if (users == null || !users.isArray() || users.isEmpty()) {
            throw new IllegalArgumentException(
                    "'users' must be \"all\" or a non-empty array of user ids, got " + users);
        }
        List<UUID> ids = new ArrayList<>(users.size());
        for (JsonNode u : users) {
            Optional<UUID> id = UserIds.parse(u.asText());
            ids.add(id.orElseThrow(() -> new IllegalArgumentException("'users' holds " + u + ", not a user id")));
        }
        return request(slot, ids);
    }
}
