package dev.hfc.cli;

import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.week.Week;
import dev.hfc.harness.LiveChanges;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.schema.Database;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** What the process-level pipeline tests do to and read from the database, written once. */
final class PipelineDb {

    private PipelineDb() {}

    static void execute(DbSettings db, String sql) throws Exception {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static long count(DbSettings db, String sql) throws Exception {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Drops the replication slot {@code slot} unless a walsender still holds it: a test's cleanup. */
    static void dropReplicationSlot(DbSettings db, String slot) throws Exception {
        execute(
                db,
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot
                        + "' AND NOT active");
    }

    /** Marks the first {@code rows} targets of {@code week} (by user) sent: history no fault or replay may change. */
    static void markSent(DbSettings db, Week week, int rows) throws Exception {
        execute(
                db,
                "UPDATE rec_campaigns_weekly SET campaign_sent = true WHERE id IN (SELECT id FROM rec_campaigns_weekly "
                        + "WHERE subscription_week = '" + week + "' ORDER BY user_id LIMIT " + rows + ")");
    }

    /**
     * {@link LiveChanges#apply} on a thread of the common pool, so that faults can be injected meanwhile; its
     * exceptions come out of the future wrapped in an {@link IllegalStateException}.
     */
    static CompletableFuture<LiveChanges.Applied> liveChanges(
            DbSettings db,
            SourceDataGenerator generator,
            long firstNewIndex,
            Week target,
            int changes,
            int perSecond,
            long seed) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return LiveChanges.apply(db, generator, firstNewIndex, target, changes, perSecond, seed);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Every row marked sent, all columns the sink writes, one line each: what no fault or replay may change. */
    static String sentRows(DbSettings db) throws Exception {
        StringBuilder b = new StringBuilder();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT id, user_id, email, segment, row_created_on, subscription_week, subscription_id, "
                                + "pause_weeks FROM rec_campaigns_weekly WHERE campaign_sent ORDER BY subscription_week, user_id")) {
            while (rs.next()) {
                for (int i = 1; i <= 8; i++) {
                    b.append(rs.getString(i)).append(i == 8 ? "\n" : "|");
                }
            }
        }
        return b.toString();
    }

    /**
     * A change made now: a new customer paused in {@code target}. Returns the time from {@code sinceNanos} until
     * its row is in the table (the pipeline has caught up with it), running {@code whilePolling} at each poll.
     */
    static Duration markerThrough(DbSettings db, Week target, long sinceNanos, Runnable whilePolling) throws Exception {
        UUID user = UUID.randomUUID();
        execute(
                db,
                "INSERT INTO customer VALUES ('" + user + "', 'marker+"
                        + user.toString().substring(0, 8) + "@example.com', 'active', current_date)");
        execute(
                db,
                "INSERT INTO subscription VALUES ('" + UUID.randomUUID() + "', '" + target + "', '" + user
                        + "', 'paused')");
        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    whilePolling.run();
                    return count(db, "SELECT count(*) FROM rec_campaigns_weekly WHERE user_id = '" + user + "'") == 1;
                });
        return Duration.ofNanos(System.nanoTime() - sinceNanos);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
