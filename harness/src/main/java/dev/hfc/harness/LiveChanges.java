package dev.hfc.harness;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.week.Week;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
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
    public record Applied(
            int pauses,
            int resumes,
            int cancellations,
            int emailChanges,
            int deletes,
            int newCustomers,
            List<Sample> samples,
            double seconds) {
        public int total() {
            return pauses + resumes + cancellations + emailChanges + deletes + newCustomers;
        }
    }

    /** A pause whose row should appear: who, and when the change was committed. */
    public record Sample(UUID userId, Instant committedAt) {}

    private LiveChanges() {}

    /** Changes per second one connection is asked to commit (each change is its own transaction). */
    static final int PER_CONNECTION = 250;

    private enum Kind {
        PAUSE,
        RESUME,
        CANCEL,
        EMAIL,
        DELETE,
        INSERT
    }

    /** One planned change: what, to whom, and when it is due (its index over the rate). */
    private record Change(int index, Kind kind, UUID user, Week week, long newIndex) {}

    /**
     * Applies {@code changes} changes at {@code perSecond}, each its own transaction. The changes are planned
     * first (from {@code seed}, so a run can be repeated), then committed by as many connections as the rate
     * needs ({@value #PER_CONNECTION} per second each, up to 8): one connection waiting for each commit's
     * fsync keeps up with a few hundred a second, not with a cut-off evening's thousands.
     */
    public static Applied apply(
            DbSettings db,
            SourceDataGenerator generator,
            long firstNewIndex,
            Week target,
            int changes,
            int perSecond,
            long seed)
            throws SQLException, InterruptedException {
        List<Change> plan = plan(db, firstNewIndex, target, changes, seed);
        int connections = Math.max(1, Math.min(8, (perSecond + PER_CONNECTION - 1) / PER_CONNECTION));
        long start = System.nanoTime();
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(connections, r -> {
                    Thread t = new Thread(r, "hfc-live-changes");
                    t.setDaemon(true);
                    return t;
                });
        List<java.util.concurrent.Future<int[]>> done = new ArrayList<>();
        List<List<Sample>> samples = new ArrayList<>();
        try {
            for (int w = 0; w < connections; w++) {
                int worker = w;
                List<Sample> mine = new ArrayList<>();
                samples.add(mine);
                done.add(pool.submit(() -> {
                    int[] counts = new int[Kind.values().length];
                    try (Connection c = Database.connect(db)) {
                        c.setAutoCommit(true);
                        for (int i = worker; i < plan.size(); i += connections) {
                            // Pace the stream: change i is due at i / perSecond seconds.
                            long wait = start + (long) (i * 1e9 / perSecond) - System.nanoTime();
                            if (wait > 0) {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            }
                            Change change = plan.get(i);
                            int applied = apply(c, generator, change);
                            counts[change.kind().ordinal()] += applied;
                            if (change.kind() == Kind.PAUSE && applied == 1) {
                                mine.add(new Sample(change.user(), Instant.now()));
                            }
                        }
                    }
                    return counts;
                }));
            }
            int[] total = new int[Kind.values().length];
            for (var f : done) {
                int[] counts;
                try {
                    counts = f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof SQLException sql) {
                        throw sql;
                    }
                    throw new IllegalStateException("applying live changes failed: " + e.getCause(), e.getCause());
                }
                for (int k = 0; k < total.length; k++) {
                    total[k] += counts[k];
                }
            }
            List<Sample> all = new ArrayList<>();
            samples.forEach(all::addAll);
            all.sort(java.util.Comparator.comparing(Sample::committedAt));
            return new Applied(
                    total[Kind.PAUSE.ordinal()],
                    total[Kind.RESUME.ordinal()],
                    total[Kind.CANCEL.ordinal()],
                    total[Kind.EMAIL.ordinal()],
                    total[Kind.DELETE.ordinal()],
                    total[Kind.INSERT.ordinal()],
                    all,
                    (System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The changes, drawn from {@code seed}: 40% pauses, 15% resumes, 10% cancellations, 15% email changes, 10% deletes, 10% new customers. */
    private static List<Change> plan(DbSettings db, long firstNewIndex, Week target, int changes, long seed)
            throws SQLException {
        Random random = new Random(seed);
        List<UUID> active = users(
                db,
                "SELECT user_id FROM " + Tables.SUBSCRIPTION
                        + " WHERE subscription_week = ? AND status = 'active' ORDER BY user_id LIMIT ?",
                target,
                changes);
        List<UUID> paused = users(
                db,
                "SELECT user_id FROM " + Tables.SUBSCRIPTION
                        + " WHERE subscription_week = ? AND status = 'paused' ORDER BY user_id LIMIT ?",
                target,
                changes);
        List<Change> plan = new ArrayList<>(changes);
        long inserts = 0;
        for (int i = 0; i < changes; i++) {
            int kind = random.nextInt(100);
            if (kind < 40 && !active.isEmpty()) {
                plan.add(new Change(i, Kind.PAUSE, active.remove(active.size() - 1), target, -1));
            } else if (kind < 55 && !paused.isEmpty()) {
                plan.add(new Change(i, Kind.RESUME, paused.remove(paused.size() - 1), target, -1));
            } else if (kind < 65 && !active.isEmpty()) {
                plan.add(new Change(
                        i, Kind.CANCEL, active.remove(active.size() - 1), target.plus(random.nextInt(3)), -1));
            } else if (kind < 80 && !paused.isEmpty()) {
                plan.add(new Change(i, Kind.EMAIL, paused.get(random.nextInt(paused.size())), target, -1));
            } else if (kind < 90 && !paused.isEmpty()) {
                plan.add(new Change(i, Kind.DELETE, paused.remove(paused.size() - 1), target, -1));
            } else {
                plan.add(new Change(i, Kind.INSERT, null, target, firstNewIndex + inserts++));
            }
        }
        return plan;
    }

    /** Commits one change; returns the rows (customers for a cancellation) it changed, as the counts report them. */
    private static int apply(Connection c, SourceDataGenerator generator, Change change) throws SQLException {
        return switch (change.kind()) {
            case PAUSE ->
                updateSubscription(
                        c,
                        "status = 'paused' WHERE user_id = ? AND subscription_week = ?",
                        change.user(),
                        change.week());
            case RESUME ->
                updateSubscription(
                        c,
                        "status = 'active' WHERE user_id = ? AND subscription_week = ?",
                        change.user(),
                        change.week());
            case CANCEL ->
                updateSubscription(
                                        c,
                                        "status = 'cancelled' WHERE user_id = ? AND subscription_week >= ?",
                                        change.user(),
                                        change.week())
                                > 0
                        ? 1
                        : 0;
            case EMAIL -> {
                try (PreparedStatement ps =
                        c.prepareStatement("UPDATE " + Tables.CUSTOMER + " SET email = ? WHERE user_id = ?")) {
                    ps.setString(1, "changed" + change.index() + "+demo@example.com");
                    ps.setObject(2, change.user());
                    yield ps.executeUpdate();
                }
            }
            case DELETE -> {
                try (PreparedStatement ps =
                        c.prepareStatement("DELETE FROM " + Tables.CUSTOMER + " WHERE user_id = ?")) {
                    ps.setObject(1, change.user());
                    yield ps.executeUpdate(); // its subscriptions go with it (ON DELETE CASCADE)
                }
            }
            case INSERT -> {
                insert(c, generator.customer(change.newIndex()));
                yield 1;
            }
        };
    }

    /** Commit-to-row latencies of the sampled pauses whose rows are in the table. */
    public static Histogram latencies(DbSettings db, Week target, List<Sample> samples) throws SQLException {
        Histogram h = new Histogram(3_600_000L, 3);
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement("SELECT row_created_on FROM " + Tables.CAMPAIGN_TARGETS
                        + " WHERE subscription_week = ? AND user_id = ?")) {
            for (Sample s : samples) {
                ps.setString(1, target.toString());
                ps.setObject(2, s.userId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        Instant written = rs.getTimestamp(1).toLocalDateTime().toInstant(ZoneOffset.UTC);
                        h.recordValue(Math.max(
                                0, written.toEpochMilli() - s.committedAt().toEpochMilli()));
                    }
                }
            }
        }
        return h;
    }

    private static List<UUID> users(DbSettings db, String sql, Week week, int limit) throws SQLException {
        List<UUID> out = new ArrayList<>();
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(sql)) {
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

    /** {@code UPDATE subscription SET} and the rest of the statement, {@code set}, with its user and week. */
    private static int updateSubscription(Connection c, String set, UUID user, Week week) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + Tables.SUBSCRIPTION + " SET " + set)) {
            ps.setObject(1, user);
            ps.setString(2, week.toString());
            return ps.executeUpdate();
        }
    }

    private static void insert(Connection c, SourceDataGenerator.CustomerRows rows) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement cu = c.prepareStatement("INSERT INTO " + Tables.CUSTOMER
                        + " (user_id, email, status, date_created) VALUES (?, ?, ?, ?)");
                PreparedStatement su = c.prepareStatement("INSERT INTO " + Tables.SUBSCRIPTION
                        + " (subscription_id, subscription_week, user_id, status) VALUES (?, ?, ?, ?)")) {
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
