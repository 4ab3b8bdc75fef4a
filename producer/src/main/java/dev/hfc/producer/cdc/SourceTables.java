package dev.hfc.producer.cdc;

import dev.hfc.schema.Tables;
import java.util.Optional;

/**
 * What the source tables must give CDC for the mapper to be right. The tables belong to the subscription
 * system, so the producer checks instead of assuming, and refuses to start with the fix spelled out.
 *
 * <ul>
 *   <li>{@code subscription}: {@code REPLICA IDENTITY FULL}. An update that moves a paused row to another
 *       week or user, and a delete, must carry the old row's user, week and id; with anything less the old
 *       (user, week) would stay paused forever.</li>
 *   <li>{@code customer}: the old row's {@code user_id}: {@code FULL}, or {@code DEFAULT} / {@code USING INDEX}
 *       on a key that includes {@code user_id} (a delete then names the customer).</li>
 * </ul>
 */
public final class SourceTables {

    private SourceTables() {}

    /** The source database is not ready for CDC; the message says what to run. */
    public static final class NotReadyException extends IllegalStateException {
        public NotReadyException(String message) {
            super(message);
        }
    }

    /**
     * Empty when the table's replica identity gives the mapper what it needs; otherwise why not and the fix.
     *
     * @param relreplident  {@code pg_class.relreplident}: {@code d} default, {@code n} nothing, {@code f} full,
     *                      {@code i} index
     * @param keyHasUserId  whether the identity's key (primary key for {@code d}, the index for {@code i}) has user_id
     */
    public static Optional<String> replicaIdentityProblem(
            String qualifiedTable, String table, char relreplident, boolean keyHasUserId) {
        boolean ok = switch (table) {
            case Tables.SUBSCRIPTION -> relreplident == 'f';
            case Tables.CUSTOMER ->
                relreplident == 'f' || ((relreplident == 'd' || relreplident == 'i') && keyHasUserId);
            default -> throw new IllegalArgumentException("not a source table: " + table);
        };
        if (ok) {
            return Optional.empty();
        }
        String now = switch (relreplident) {
            case 'd' -> "DEFAULT" + (keyHasUserId ? "" : " (its primary key, which lacks user_id)");
            case 'n' -> "NOTHING";
            case 'i' -> "USING INDEX" + (keyHasUserId ? "" : " (an index without user_id)");
            default -> "'" + relreplident + "'";
        };
        String why = table.equals(Tables.SUBSCRIPTION)
                ? "an update that moves a row to another week or user, and a delete, must carry the old row, or the old "
                        + "(user, week) stays paused forever"
                : "a deleted customer must be named by its user_id";
        return Optional.of(qualifiedTable + " has REPLICA IDENTITY " + now + "; CDC needs more: " + why
                + ". Fix: ALTER TABLE " + qualifiedTable + " REPLICA IDENTITY FULL;");
    }
}
