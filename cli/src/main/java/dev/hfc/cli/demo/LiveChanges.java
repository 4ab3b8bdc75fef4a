package dev.hfc.cli.demo;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.week.Week;
import dev.hfc.producer.generate.SourceDataGenerator;
import dev.hfc.schema.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.HdrHistogram.Histogram;

/**
 * A stream of live source changes while the pipeline runs: pauses and resumes of the target week,
 * cancellations, email changes, customer deletes and new customers, each its own transaction, at a steady
 * rate. Pauses of the target week are timed from commit to their row in the table.
 */
public final class LiveChanges {

    /** What was applied. */
    public record Applied(int pauses, int resumes, int cancellations, int emailChanges, int deletes, int newCustomers,
                          List<Sample> samples, double seconds) {
        public int total() {
            return pauses + resumes + cancellations + emailChanges + deletes + newCustomers;
        }
    }

    /** A pause whose row should appear: who, and when the change was committed. */
    public record Sample(UUID userId, Instant committedAt) {}

    private LiveChanges() {}

    public static Applied apply(DbSettings db, SourceDataGenerator generator, long firstNewIndex, Week target,
                                int changes, int perSecond, long seed) throws SQLException, InterruptedException {
        Random random = new Random(seed);
        List<UUID> active = users(db, "SELECT user_id FROM subscription WHERE subscription_week = ? AND status = 'active' ORDER BY user_id LIMIT ?",
                target, changes);
        List<UUID> paused = users(db, "SELECT user_id FROM subscription WHERE subscription_week = ? AND status = 'paused' ORDER BY user_id LIMIT ?",
                target, changes);
        int pauses = 0, resumes = 0, cancellations = 0, emails = 0, deletes = 0, inserts = 0;
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(true);
            for (int i = 0; i < changes; i++) {
                // Pace the stream: change i is due at i / perSecond seconds.
                long due = start + (long) (i * 1e9 / perSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                int kind = random.nextInt(100);
                if (kind < 40 && !active.isEmpty()) {
                    UUID u = active.remove(active.size() - 1);
                    if (update(c, "UPDATE subscription SET status = 'paused' WHERE user_id = ? AND subscription_week = ?", u, target) == 1) {
                        samples.add(new Sample(u, Instant.now()));
                        pauses++;
                    }
                } else if (kind < 55 && !paused.isEmpty()) {
                    UUID u = paused.remove(paused.size() - 1);
                    resumes += update(c, "UPDATE subscription SET status = 'active' WHERE user_id = ? AND subscription_week = ?", u, target);
                } else if (kind < 65 && !active.isEmpty()) {
                    UUID u = active.remove(active.size() - 1);
                    cancellations += update(c, "UPDATE subscription SET status = 'cancelled' WHERE user_id = ? AND subscription_week >= ?",
                            u, target.plus(random.nextInt(3))) > 0 ? 1 : 0;
                } else if (kind < 80 && !paused.isEmpty()) {
                    UUID u = paused.get(random.nextInt(paused.size()));
                    try (PreparedStatement ps = c.prepareStatement("UPDATE customer SET email = ? WHERE user_id = ?")) {
                        ps.setString(1, "changed" + i + "+demo@example.com");
                        ps.setObject(2, u);
                        emails += ps.executeUpdate();
                    }
                } else if (kind < 90 && !paused.isEmpty()) {
                    UUID u = paused.remove(paused.size() - 1);
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM customer WHERE user_id = ?")) {
                        ps.setObject(1, u);
                        deletes += ps.executeUpdate(); // its subscriptions go with it (ON DELETE CASCADE)
                    }
                } else {
                    insert(c, generator.customer(firstNewIndex + inserts));
                    inserts++;
                }
            }
        }
        return new Applied(pauses, resumes, cancellations, emails, deletes, inserts, samples, (System.nanoTime() - start) / 1e9);
    }

    /** Commit-to-row latencies of the sampled pauses whose rows are in the table. */
    public static Histogram latencies(DbSettings db, Week target, List<Sample> samples) throws SQLException {
        Histogram h = new Histogram(3_600_000L, 3);
        try (Connection c = Database.connect(db);
             PreparedStatement ps = c.prepareStatement("SELECT row_created_on FROM rec_campaigns_weekly WHERE subscription_week = ? AND user_id = ?")) {
            for (Sample s : samples) {
                ps.setString(1, target.toString());
                ps.setObject(2, s.userId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        Instant written = rs.getTimestamp(1).toLocalDateTime().toInstant(ZoneOffset.UTC);
                        h.recordValue(Math.max(0, written.toEpochMilli() - s.committedAt().toEpochMilli()));
                    }
                }
            }
        }
        return h;
    }

    private static List<UUID> users(DbSettings db, String sql, Week week, int limit) throws SQLException {
        List<UUID> out = new ArrayList<>();
        try (Connection c = Database.connect(db); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, week.toString());
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return out;
    }

    private static int update(Connection c, String sql, UUID user, Week week) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, user);
            ps.setString(2, week.toString());
            return ps.executeUpdate();
        }
    }

    private static void insert(Connection c, SourceDataGenerator.CustomerRows rows) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement cu = c.prepareStatement("INSERT INTO customer (user_id, email, status, date_created) VALUES (?, ?, ?, ?)");
             PreparedStatement su = c.prepareStatement("INSERT INTO subscription (subscription_id, subscription_week, user_id, status) VALUES (?, ?, ?, ?)")) {
            cu.setObject(1, rows.customer().userId());
            cu.setString(2, rows.customer().email());
            cu.setString(3, rows.customer().status());
            cu.setObject(4, rows.customer().dateCreated());
            cu.executeUpdate();
            for (var s : rows.subscriptions()) {
                su.setObject(1, s.subscriptionId());
                su.setString(2, s.week().toString());
                su.setObject(3, s.userId());
                su.setString(4, s.status().wire());
                su.addBatch();
            }
            su.executeBatch();
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
    }
}
