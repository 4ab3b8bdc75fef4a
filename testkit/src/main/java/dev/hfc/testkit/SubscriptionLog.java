package dev.hfc.testkit;

import dev.hfc.core.event.CustomerSnapshot;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.event.SubscriptionInput;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What {@code hfc.subscription-events} says the subscription table holds, read the way a consumer must read
 * it: a change applies to its row, a customer snapshot replaces all of the customer's rows.
 */
public final class SubscriptionLog {

    private SubscriptionLog() {}

    /** subscription_id → "user week status", folded over the records in order. */
    public static Map<UUID, String> fold(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<UUID, String> rows = new TreeMap<>();
        Map<UUID, Set<UUID>> byUser = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            SubscriptionInput input =
                    EventCodecs.SUBSCRIPTION_INPUT.decode(r.value()).orThrow();
            if (input instanceof SubscriptionEvent e) {
                if (e.op() == SubscriptionEvent.Op.DELETE) {
                    rows.remove(e.subscriptionId());
                    byUser.getOrDefault(e.userId(), new HashSet<>()).remove(e.subscriptionId());
                } else {
                    rows.put(
                            e.subscriptionId(),
                            e.userId() + " " + e.week() + " " + e.status().wire());
                    byUser.computeIfAbsent(e.userId(), u -> new HashSet<>()).add(e.subscriptionId());
                }
            } else if (input instanceof CustomerSnapshot s) {
                Set<UUID> held = byUser.computeIfAbsent(s.userId(), u -> new HashSet<>());
                held.forEach(rows::remove);
                held.clear();
                for (CustomerSnapshot.WeekRow w : s.weeks()) {
                    rows.put(
                            w.subscriptionId(),
                            s.userId() + " " + w.week() + " " + w.status().wire());
                    held.add(w.subscriptionId());
                }
            }
        }
        return rows;
    }

    /** The customer snapshots among the records. */
    public static long snapshots(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream()
                .filter(r -> decode(r) instanceof CustomerSnapshot)
                .count();
    }

    /** The ids of the snapshots whose end marker is among the records (in any partition). */
    public static Set<String> ended(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (decode(r) instanceof SnapshotMarker m && m.phase() == SnapshotMarker.Phase.END) {
                ids.add(m.snapshotId());
            }
        }
        return ids;
    }

    private static SubscriptionInput decode(ConsumerRecord<byte[], byte[]> r) {
        return EventCodecs.SUBSCRIPTION_INPUT.decode(r.value()).orThrow();
    }
}
