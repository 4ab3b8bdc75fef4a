package dev.hfc.producer.cdc;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.SqlIdentifier;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/**
 * Asks a running producer for a re-snapshot ({@code hfc snapshot}): the request is a logical decoding message
 * in the source database's change stream, which the producer reading {@code slot} acts on at its place
 * ({@link Resnapshots}). The same request from psql:
 * {@code SELECT pg_logical_emit_message(true, 'hfc.snapshot', '{"kind":"request","users":"all"}');}
 */
public final class SnapshotRequests {

    private SnapshotRequests() {}

    /** Requests snapshots of all customers ({@code users} null or empty) or of the given ones. */
    public static void request(DbSettings db, String slot, List<UUID> users) throws SQLException {
        SqlIdentifier.validate("slot name", slot);
        Resnapshots.request(db, SnapshotSignal.request(slot, users == null || users.isEmpty() ? null : users));
    }

    /** The request's JSON, as psql would pass it. */
    public static String json(String slot, List<UUID> users) {
        return SnapshotSignal.request(slot, users == null || users.isEmpty() ? null : users)
                .toJson();
    }
}
