package dev.hfc.producer.cdc;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.SqlIdentifier;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.copy.PGCopyInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's first start: every row of {@code customer} and {@code subscription} as of the moment the
 * replication slot begins, read by the producer itself instead of by Debezium's snapshot.
 *
 * <p>Debezium's snapshot turns each row into a Connect record, then into JSON, which the producer parses
 * again, all on one thread: about 12-18k rows/s here. This one reads both tables with binary {@code COPY}
 * and maps each customer row straight to its event ({@link ChangeMapper#mapSnapshotRow}, the same rules as a
 * row Debezium read) and each customer's subscription rows, grouped by PostgreSQL, to one customer snapshot
 * ({@link ChangeMapper#mapCustomerSnapshot}), the way PeerDB and Sequin take their backfills:
 *
 * <ol>
 *   <li>the publication exists with both tables before the slot does (pgoutput decodes each change with the
 *       publication as it was then);</li>
 *   <li>a replication connection creates the slot and exports its snapshot
 *       ({@code CREATE_REPLICATION_SLOT ... LOGICAL pgoutput EXPORT_SNAPSHOT}): the slot's consistent point
 *       and the exported snapshot are the same moment, so every change is either in the rows read or
 *       streamed after them, never both, never neither;</li>
 *   <li>the tables are read inside that snapshot ({@code SET TRANSACTION SNAPSHOT}) while the replication
 *       connection holds it;</li>
 *   <li>the caller publishes the rows, and once Kafka has them all stores the slot's position as the engine's
 *       first offset ({@link EngineOffsets}); Debezium then streams from exactly there.</li>
 * </ol>
 *
 * <p>When the slot exists already (an earlier first start died before its position was stored), its
 * exported snapshot is gone: the rows are read in a new snapshot, and streaming starts from the slot's
 * older confirmed position, so the changes in between are applied again after the rows: every table row
 * ends in its current state, as after Debezium's own restarted snapshot.
 */
final class InitialSnapshot {

    private static final Logger LOG = LoggerFactory.getLogger(InitialSnapshot.class);

    /** Where streaming starts after the rows, as PostgreSQL writes an LSN ({@code 0/16B3748}) and as a number. */
    record Position(String lsnText, long lsn, boolean slotCreated) {}

    /** Receives the rows; returns false to stop (the producer is closing). */
    @FunctionalInterface
    interface RowSink {
        boolean accept(ChangeMapper.Table table, Map<String, String> row) throws Exception;
    }

    private static final String[] CUSTOMER_COLUMNS = {"user_id", "email", "status"};
    /** A customer's subscription rows, grouped by PostgreSQL ({@link CustomerSnapshotQuery}). */
    static final String[] SNAPSHOT_COLUMNS = {"user_id", "weeks"};

    private final DbSettings db;
    private final String slot;
    private final String publication;

    InitialSnapshot(DbSettings db, String slot, String publication) {
        this.db = db;
        this.slot = SqlIdentifier.validate("slot name", slot);
        this.publication = SqlIdentifier.validate("publication name", publication);
    }

    /**
     * Creates what is missing (publication, slot), reads every row of both tables into {@code sink}, and
     * returns where streaming must start. Throws when the slot is in use or belongs to another database or
     * plugin.
     */
    Position run(RowSink sink, BooleanSupplier closing) throws Exception {
        ensurePublication();
        try (Connection replication = replicationConnection()) {
            Position position;
            String exported = null;
            Map<String, String> existing = slotState();
            if (existing == null) {
                try (Statement s = replication.createStatement();
                        ResultSet rs = s.executeQuery("CREATE_REPLICATION_SLOT " + SqlIdentifier.quote(slot)
                                + " LOGICAL pgoutput EXPORT_SNAPSHOT")) {
                    rs.next();
                    String lsn = rs.getString("consistent_point");
                    exported = rs.getString("snapshot_name");
                    position = new Position(lsn, parseLsn(lsn), true);
                }
                LOG.info(
                        "snapshot: created replication slot {} at {}; reading both tables in its exported snapshot {}",
                        slot,
                        position.lsnText(),
                        exported);
            } else {
                String lsn = existing.get("confirmed_flush_lsn") != null
                        ? existing.get("confirmed_flush_lsn")
                        : existing.get("restart_lsn");
                position = new Position(lsn, parseLsn(lsn), false);
                LOG.warn(
                        "snapshot: replication slot {} exists (an earlier first start stopped before storing its position); "
                                + "reading both tables in a new snapshot, then streaming from the slot's {} (changes since are applied again)",
                        slot,
                        lsn);
            }
            long start = System.nanoTime();
            long customers = read(
                    exported,
                    "SELECT user_id::text, email::text, status::text FROM " + db.qualified(Tables.CUSTOMER),
                    ChangeMapper.Table.CUSTOMER,
                    CUSTOMER_COLUMNS,
                    sink,
                    closing);
            long snapshots = read(
                    exported,
                    CustomerSnapshotQuery.all(db),
                    ChangeMapper.Table.SUBSCRIPTION,
                    SNAPSHOT_COLUMNS,
                    sink,
                    closing);
            LOG.info(
                    "snapshot: read {} customers and the subscriptions of {} customers in {} ms",
                    customers,
                    snapshots,
                    (System.nanoTime() - start) / 1_000_000);
            return position;
        }
    }

    private long read(
            String exportedSnapshot,
            String select,
            ChangeMapper.Table table,
            String[] columns,
            RowSink sink,
            BooleanSupplier closing)
            throws Exception {
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                if (exportedSnapshot != null) {
                    s.execute("SET TRANSACTION SNAPSHOT '" + exportedSnapshot.replace("'", "''") + "'");
                }
            }
            PGConnection pg = c.unwrap(PGConnection.class);
            try (CopyBinaryRows rows = new CopyBinaryRows(
                    new PGCopyInputStream(pg, "COPY (" + select + ") TO STDOUT (FORMAT binary)"), columns.length)) {
                for (String[] fields = rows.next(); fields != null; fields = rows.next()) {
                    Map<String, String> row = new HashMap<>(columns.length * 2);
                    for (int i = 0; i < columns.length; i++) {
                        row.put(columns[i], fields[i]);
                    }
                    if (closing.getAsBoolean() || !sink.accept(table, row)) {
                        throw new InterruptedException(
                                "the producer is closing; the snapshot starts again at its next start");
                    }
                }
                return rows.rows();
            } catch (IOException e) {
                throw new SQLException(
                        "reading " + db.qualified(table.name().toLowerCase(java.util.Locale.ROOT)) + ": "
                                + e.getMessage(),
                        e);
            } finally {
                c.rollback();
            }
        }
    }

    /** The publication with both tables: created when missing, completed when it lacks one. */
    private void ensurePublication() throws SQLException {
        try (Connection c = Database.connect(db)) {
            List<String> tables = new ArrayList<>();
            boolean exists;
            boolean allTables = false;
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
                ps.setString(1, publication);
                try (ResultSet rs = ps.executeQuery()) {
                    exists = rs.next();
                    if (exists) {
                        allTables = rs.getBoolean(1);
                    }
                }
            }
            if (exists && !allTables) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT tablename FROM pg_publication_tables WHERE pubname = ? AND schemaname = ?")) {
                    ps.setString(1, publication);
                    ps.setString(2, db.schema());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            tables.add(rs.getString(1));
                        }
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                if (!exists) {
                    s.execute("CREATE PUBLICATION " + SqlIdentifier.quote(publication) + " FOR TABLE "
                            + db.qualified(Tables.CUSTOMER) + ", " + db.qualified(Tables.SUBSCRIPTION));
                    LOG.info(
                            "snapshot: created publication {} for {} and {}",
                            publication,
                            db.qualified(Tables.CUSTOMER),
                            db.qualified(Tables.SUBSCRIPTION));
                } else if (!allTables) {
                    for (String table : List.of(Tables.CUSTOMER, Tables.SUBSCRIPTION)) {
                        if (!tables.contains(table)) {
                            s.execute("ALTER PUBLICATION " + SqlIdentifier.quote(publication) + " ADD TABLE "
                                    + db.qualified(table));
                            LOG.info("snapshot: added {} to publication {}", db.qualified(table), publication);
                        }
                    }
                }
            }
        }
    }

    /** The slot's row of pg_replication_slots, or null when there is none; refuses a slot in use or of another kind. */
    private Map<String, String> slotState() throws SQLException {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT plugin, database, active, confirmed_flush_lsn::text, restart_lsn::text, current_database() "
                                + "FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (!"pgoutput".equals(rs.getString(1)) || !rs.getString(6).equals(rs.getString(2))) {
                    throw new IllegalStateException("replication slot " + slot + " exists for plugin " + rs.getString(1)
                            + " in database " + rs.getString(2) + "; the producer needs pgoutput in " + rs.getString(6)
                            + " (choose another --slot-name)");
                }
                if (rs.getBoolean(3)) {
                    throw new IllegalStateException(
                            "replication slot " + slot + " is in use by another connection: is another "
                                    + "producer running with the same --slot-name?");
                }
                Map<String, String> state = new HashMap<>();
                state.put("confirmed_flush_lsn", rs.getString(4));
                state.put("restart_lsn", rs.getString(5));
                return state;
            }
        }
    }

    private Connection replicationConnection() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", db.user());
        props.setProperty("password", db.password());
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        return DriverManager.getConnection(db.url(), props);
    }

    /** {@code X/Y} (two hexadecimal halves) as the 64-bit position. */
    static long parseLsn(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not a PostgreSQL LSN (X/Y in hexadecimal)");
        }
        try {
            return Long.parseUnsignedLong(text.substring(0, slash), 16) << 32
                    | Long.parseUnsignedLong(text.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a PostgreSQL LSN (X/Y in hexadecimal)", e);
        }
    }
}
