package dev.hfc.core.event;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The begin or end of a snapshot of <em>all</em> customers ({@code op: snapshot-begin | snapshot-end} in
 * {@code hfc.subscription-events}). The producer writes each marker once into every partition, with no key,
 * at the position of the snapshot in the change stream: every customer that had subscription rows when the
 * snapshot read it has a {@link CustomerSnapshot} between the two markers of the same {@code snapshot_id}.
 * A segmenter rebuilding from a log whose beginning was deleted waits for such a pair (README, Rebuild).
 */
public record SnapshotMarker(String snapshotId, Phase phase, long sourceTsMs) implements SubscriptionInput {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    public enum Phase {
        BEGIN("snapshot-begin"),
        END("snapshot-end");

        private final String wire;

        Phase(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public SnapshotMarker {
        Objects.requireNonNull(phase, "phase");
        if (snapshotId == null || !ID.matcher(snapshotId).matches()) {
            throw new IllegalArgumentException(
                    "snapshot_id '" + snapshotId + "' must be 1-64 letters, digits, '.', '_', ':' or '-'");
        }
    }

    static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
