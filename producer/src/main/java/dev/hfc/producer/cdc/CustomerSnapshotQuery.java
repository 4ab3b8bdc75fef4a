package dev.hfc.producer.cdc;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Tables;

/**
 * The SQL that reads customer snapshots: each customer's subscription rows grouped by PostgreSQL, where the
 * data lives, into one row per customer ({@code user_id}, and a {@code json_agg} of {@code [week, status,
 * subscription_id]} in week order), so the producer never sorts or groups millions of rows itself. Mapped by
 * {@link ChangeMapper#mapCustomerSnapshot}. The grouping follows the {@code (user_id, subscription_week)}
 * unique index.
 */
final class CustomerSnapshotQuery {

    /**
     * The text of the id is named {@code id}: {@code ORDER BY s.user_id} must mean the uuid column (the keyset's
     * order, walked along the index), not the text, whose sort would aggregate every remaining customer per chunk.
     */
    private static final String COLUMNS =
            "SELECT s.user_id::text AS id, json_agg(json_build_array(s.subscription_week, s.status, "
                    + "s.subscription_id::text) ORDER BY s.subscription_week)::text AS weeks FROM ";

    private CustomerSnapshotQuery() {}

    /** Every customer with subscription rows (the initial load). */
    static String all(DbSettings db) {
        return COLUMNS + db.qualified(Tables.SUBSCRIPTION) + " s GROUP BY s.user_id";
    }

    /** The first {@code ?} customers in user_id order. */
    static String first(DbSettings db) {
        return COLUMNS + db.qualified(Tables.SUBSCRIPTION) + " s GROUP BY s.user_id ORDER BY s.user_id LIMIT ?";
    }

    /** The {@code ?} (second parameter) customers after user {@code ?} (first), in user_id order. */
    static String after(DbSettings db) {
        return COLUMNS + db.qualified(Tables.SUBSCRIPTION)
                + " s WHERE s.user_id > ?::uuid GROUP BY s.user_id ORDER BY s.user_id LIMIT ?";
    }

    /** The customers of a uuid array, those with rows. */
    static String of(DbSettings db) {
        return COLUMNS + db.qualified(Tables.SUBSCRIPTION) + " s WHERE s.user_id = ANY (?::uuid[]) GROUP BY s.user_id";
    }
}
