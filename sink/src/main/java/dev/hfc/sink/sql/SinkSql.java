package dev.hfc.sink.sql;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Tables;

/**
 * Every SQL statement the sink runs, and the names of the tables it runs them on, in one place: what the sink
 * does to the database is read here, and a change to one of its tables shows every statement that names it.
 * The persistent tables' names are those of the catalog, {@link Tables}; the temporary ones are the sink's own.
 * The classes that run the statements only bind their parameters. Methods that take {@link DbSettings} qualify
 * the table names with the configured schema; temporary tables live in the session's own schema and are not
 * qualified. This package depends on no other package of the sink, so that each of them can use it.
 */
public final class SinkSql {

    /** The sink's output: one row per (week, customer) that is a campaign target. */
    public static final String TARGET_TABLE = Tables.CAMPAIGN_TARGETS;
    /** The sink's positions: the next offset per (group, topic, partition), written with the rows they cover. */
    public static final String OFFSETS_TABLE = Tables.SINK_OFFSETS;
    /** What each consumer of a group has not written yet, for readers of the target table. */
    public static final String PROGRESS_TABLE = Tables.SINK_PROGRESS;
    /** How targets ended, from the end reasons of the segmenter's tombstones. */
    public static final String OUTCOMES_TABLE = Tables.CAMPAIGN_OUTCOMES;
    /** The partition count of the segments topic each group was built on. */
    public static final String LAYOUT_TABLE = Tables.SINK_LAYOUT;
    /** A connection's staging table for upserts that may change existing rows (temporary, emptied by each commit). */
    public static final String STAGE_TABLE = "hfc_sink_stage";
    /** The staging table, named so that no table of the configured schema can shadow it. */
    public static final String STAGE = "pg_temp." + STAGE_TABLE;
    /** The keys still live in the segments topic during a replay from the beginning (temporary, dropped at commit). */
    public static final String LIVE_KEYS_TABLE = "hfc_live_keys";

    /** The columns of the target table the sink fills, in the order of its COPY rows. */
    public static final String COLUMNS = "id, user_id, email, segment, subscription_week, subscription_id, pause_weeks";

    /** The SET list of an {@code ON CONFLICT DO UPDATE} of these columns (table alias {@code t}). */
    public static final String UPDATE_SET = "email = EXCLUDED.email, segment = EXCLUDED.segment, "
            + "subscription_id = EXCLUDED.subscription_id, pause_weeks = EXCLUDED.pause_weeks";

    /** True when an existing row {@code t} differs from the incoming one: only then is it rewritten. */
    public static final String VALUES_DIFFER =
            "(t.email, t.segment, t.subscription_id, t.pause_weeks) IS DISTINCT FROM "
                    + "(EXCLUDED.email, EXCLUDED.segment, EXCLUDED.subscription_id, EXCLUDED.pause_weeks)";

    /** Run once on every new connection of a writer: the staging table, emptied by every commit. */
    public static final String CREATE_STAGE =
            "CREATE TEMP TABLE IF NOT EXISTS " + STAGE_TABLE + " (id uuid, user_id uuid, "
                    + "email varchar(64), segment varchar(16), subscription_week varchar(8), subscription_id uuid, pause_weeks smallint) "
                    + "ON COMMIT DELETE ROWS";

    /** Empties the staging table within a transaction (a bisect step after a successful one). */
    public static final String CLEAR_STAGE = "DELETE FROM " + STAGE;

    /** Appended to {@link #readOffsets}: locks the rows read until the transaction ends (the fencing check). */
    public static final String LOCK_OFFSETS = " FOR UPDATE OF o";

    /** A replay's table of live keys. */
    public static final String CREATE_LIVE_KEYS =
            "CREATE TEMP TABLE " + LIVE_KEYS_TABLE + " (week varchar(8), user_id uuid) " + "ON COMMIT DROP";
    /** Adds keys to {@link #LIVE_KEYS_TABLE}: parameters weeks and user ids, as arrays. */
    public static final String INSERT_LIVE_KEYS =
            "INSERT INTO " + LIVE_KEYS_TABLE + " SELECT * FROM unnest(?::varchar[], ?::uuid[])";

    public static final String INDEX_LIVE_KEYS = "CREATE INDEX ON " + LIVE_KEYS_TABLE + " (week, user_id)";
    public static final String ANALYZE_LIVE_KEYS = "ANALYZE " + LIVE_KEYS_TABLE;

    private SinkSql() {}

    /** COPY of {@link #COLUMNS} into {@code table} (qualified) from the client, {@code formatOption} being the WITH part. */
    public static String copy(String table, String formatOption) {
        return "COPY " + table + " (" + COLUMNS + ") FROM STDIN WITH " + formatOption;
    }

    /** Applies the staging table to the target table: changes only unsent rows whose values differ. */
    public static String upsertFromStage(DbSettings db) {
        return "INSERT INTO " + db.qualified(TARGET_TABLE) + " AS t (" + COLUMNS + ") "
                + "SELECT " + COLUMNS + " FROM " + STAGE + " "
                // Applying the rows in index order makes the key look-ups walk the index instead of
                // jumping around it.
                + "ORDER BY subscription_week, user_id "
                + "ON CONFLICT (subscription_week, user_id) DO UPDATE "
                + "SET " + UPDATE_SET + " "
                + "WHERE NOT t.campaign_sent AND " + VALUES_DIFFER;
    }

    /** Whether any of the keys given (weeks, user ids: two arrays) has a row in the target table. */
    public static String probe(DbSettings db) {
        return "SELECT EXISTS (SELECT 1 FROM " + db.qualified(TARGET_TABLE) + " AS t, unnest(?::varchar[], ?::uuid[]) "
                + "AS k(week, user_id) WHERE t.subscription_week = k.week AND t.user_id = k.user_id)";
    }

    /** Deletes the unsent rows of the keys given (weeks, user ids: two arrays). */
    public static String delete(DbSettings db) {
        return "DELETE FROM " + db.qualified(TARGET_TABLE)
                + " AS t USING unnest(?::varchar[], ?::uuid[]) AS d(week, user_id) "
                + "WHERE t.subscription_week = d.week AND t.user_id = d.user_id AND NOT t.campaign_sent";
    }

    /** A group's stored next offsets of the partitions given (topics, partitions: two arrays), in locking order. */
    public static String readOffsets(DbSettings db) {
        return "SELECT o.topic, o.partition, o.next_offset FROM " + db.qualified(OFFSETS_TABLE) + " AS o "
                + "WHERE o.group_id = ? AND (o.topic, o.partition) IN (SELECT * FROM unnest(?::varchar[], ?::int[])) "
                + "ORDER BY o.topic COLLATE \"C\", o.partition";
    }

    /** Stores a group's next offsets (group, then topics, partitions, offsets: three arrays). */
    public static String storeOffsets(DbSettings db) {
        return "INSERT INTO " + db.qualified(OFFSETS_TABLE) + " (group_id, topic, partition, next_offset) "
                + "SELECT ?, x.topic, x.partition, x.next_offset FROM unnest(?::varchar[], ?::int[], ?::bigint[]) "
                + "AS x(topic, partition, next_offset) "
                + "ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()";
    }

    /** Publishes a consumer's progress: group, member, records not written yet (null: unknown). */
    public static String reportProgress(DbSettings db) {
        return "INSERT INTO " + db.qualified(PROGRESS_TABLE) + " (group_id, member, lag_records) VALUES (?, ?, ?) "
                + "ON CONFLICT (group_id, member) DO UPDATE SET lag_records = EXCLUDED.lag_records, updated_at = now()";
    }

    /** Removes a consumer's progress row: group, member. */
    public static String leave(DbSettings db) {
        return "DELETE FROM " + db.qualified(PROGRESS_TABLE) + " WHERE group_id = ? AND member = ?";
    }

    /**
     * Records the outcome of the ended keys that have a row (weeks, user ids, end reasons, timestamps: four
     * arrays), the segment taken from the row.
     */
    public static String recordOutcomes(DbSettings db) {
        return "INSERT INTO " + db.qualified(OUTCOMES_TABLE)
                + " AS o (subscription_week, user_id, segment, outcome, outcome_at) "
                + "SELECT t.subscription_week, t.user_id, t.segment, d.outcome, d.outcome_at FROM "
                + db.qualified(TARGET_TABLE)
                + " AS t "
                + "JOIN unnest(?::varchar[], ?::uuid[], ?::varchar[], ?::timestamptz[]) AS d(week, user_id, outcome, outcome_at) "
                + "ON t.subscription_week = d.week AND t.user_id = d.user_id "
                + "ON CONFLICT (subscription_week, user_id) DO UPDATE SET segment = EXCLUDED.segment, outcome = EXCLUDED.outcome, "
                + "outcome_at = EXCLUDED.outcome_at, recorded_at = now()";
    }

    /** Forgets the outcomes of the keys given (weeks, user ids: two arrays). */
    public static String clearOutcomes(DbSettings db) {
        return "DELETE FROM " + db.qualified(OUTCOMES_TABLE)
                + " AS o USING unnest(?::varchar[], ?::uuid[]) AS k(week, user_id) "
                + "WHERE o.subscription_week = k.week AND o.user_id = k.user_id";
    }

    /** Records a group's partition count of a topic on its first start: group, topic, partitions. */
    public static String recordLayout(DbSettings db) {
        return "INSERT INTO " + db.qualified(LAYOUT_TABLE) + " (group_id, topic, partitions) VALUES (?, ?, ?) "
                + "ON CONFLICT (group_id, topic) DO NOTHING";
    }

    /** The partition count a group was built on: group, topic. */
    public static String layout(DbSettings db) {
        return "SELECT partitions FROM " + db.qualified(LAYOUT_TABLE) + " WHERE group_id = ? AND topic = ?";
    }

    /** Deletes the unsent rows whose key is not in {@link #LIVE_KEYS_TABLE} (a replay's sweep). */
    public static String sweep(DbSettings db) {
        return "DELETE FROM " + db.qualified(TARGET_TABLE) + " r WHERE NOT r.campaign_sent "
                + "AND NOT EXISTS (SELECT 1 FROM " + LIVE_KEYS_TABLE + " k WHERE k.week = r.subscription_week "
                + "AND k.user_id = r.user_id)";
    }
}
