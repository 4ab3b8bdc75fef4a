package dev.hfc.producer.cdc;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.SqlIdentifier;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The source database as CDC needs it: the checks at start (wal_level, the tables, their replica identity)
 * and the slot's administration when a producer is decommissioned.
 */
public final class SourceDatabase {

    private SourceDatabase() {}

    /** Fails fast on a database CDC cannot work with, saying how to fix it. */
    public static void check(DbSettings db) throws SQLException {
        try (Connection c = Database.connect(db)) {
            String wal = Database.walLevel(c);
            if (!"logical".equals(wal)) {
                throw new SourceTables.NotReadyException(
                        "PostgreSQL has wal_level=" + wal + "; CDC needs 'logical'. Run "
                                + "ALTER SYSTEM SET wal_level = logical; and restart PostgreSQL");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM information_schema.tables "
                    + "WHERE table_schema = ? AND table_name IN ('" + Tables.CUSTOMER + "', '" + Tables.SUBSCRIPTION
                    + "')")) {
                ps.setString(1, db.schema());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) != 2) {
                        throw new SourceTables.NotReadyException(
                                "schema " + db.schema() + " has no " + Tables.CUSTOMER + " and " + Tables.SUBSCRIPTION
                                        + " tables (for a demo: hfc db migrate --with-source-tables)");
                    }
                }
            }
            // What the old row of an update or delete carries (pg_class.relreplident), and whether the key it
            // falls back on (primary key for DEFAULT, the chosen index for USING INDEX) includes user_id.
            try (PreparedStatement ps = c.prepareStatement("SELECT c.relname, c.relreplident, COALESCE((SELECT bool_or("
                    + "a.attname = 'user_id') FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                    + "AND a.attnum = ANY (i.indkey) WHERE i.indrelid = c.oid AND ((c.relreplident = 'd' AND i.indisprimary) "
                    + "OR (c.relreplident = 'i' AND i.indisreplident))), false) FROM pg_class c "
                    + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? "
                    + "AND c.relname IN ('" + Tables.CUSTOMER + "', '" + Tables.SUBSCRIPTION + "')")) {
                ps.setString(1, db.schema());
                List<String> problems = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        SourceTables.replicaIdentityProblem(
                                        db.qualified(rs.getString(1)),
                                        rs.getString(1),
                                        rs.getString(2).charAt(0),
                                        rs.getBoolean(3))
                                .ifPresent(problems::add);
                    }
                }
                if (!problems.isEmpty()) {
                    throw new SourceTables.NotReadyException(String.join(" ", problems));
                }
            }
        }
    }

    /**
     * Drops the replication slot and the publication, so a decommissioned producer does not pin WAL
     * forever. Refuses while the slot is in use.
     */
    public static boolean dropSlot(DbSettings db, String slotName, String publicationName) throws SQLException {
        SqlIdentifier.validate("slot name", slotName);
        SqlIdentifier.validate("publication name", publicationName);
        try (Connection c = Database.connect(db)) {
            boolean dropped = false;
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slotName);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (rs.getBoolean(1)) {
                            throw new IllegalStateException(
                                    "replication slot " + slotName + " is in use: stop the producer first");
                        }
                        try (PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                            drop.setString(1, slotName);
                            drop.execute();
                        }
                        dropped = true;
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("DROP PUBLICATION IF EXISTS " + SqlIdentifier.quote(publicationName));
            }
            return dropped;
        }
    }
}
