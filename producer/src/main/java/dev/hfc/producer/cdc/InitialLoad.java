package dev.hfc.producer.cdc;

import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.schema.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's first start ({@link InitialSnapshot} reads; this publishes): every customer row, then one
 * customer snapshot per customer between a begin and an end marker in every partition, published in
 * acknowledged chunks; then the slot's position is stored as the engine's first offset.
 */
final class InitialLoad {

    private static final Logger LOG = LoggerFactory.getLogger(InitialLoad.class);

    /** Rows of the producer's own snapshot published per acknowledged chunk. */
    static final int SNAPSHOT_CHUNK = 5_000;

    private final CdcProducer.Settings settings;
    private final AcknowledgedPublisher publisher;
    private final int partitions;
    private final BooleanSupplier closing;

    InitialLoad(
            CdcProducer.Settings settings, AcknowledgedPublisher publisher, int partitions, BooleanSupplier closing) {
        this.settings = settings;
        this.publisher = publisher;
        this.partitions = partitions;
        this.closing = closing;
    }

    /**
     * With no stored position (a first start, or one that stopped before it stored its start), reads both
     * tables in the slot's snapshot and publishes their rows, then stores the slot's position as the engine's
     * first offset; the engine then streams from there and takes no snapshot of its own.
     */
    void runIfFirstStart() throws Exception {
        EngineOffsets offsets = new EngineOffsets(
                settings.kafka(),
                settings.offsetsTopic(),
                settings.topicLayout().replicationFactor(),
                CdcProducer.ENGINE_NAME,
                CdcProducer.LOGICAL_NAME);
        Optional<String> stored = offsets.stored();
        if (stored.isPresent()) {
            LOG.info("CDC producer: stored position {}; streaming from there", stored.get());
            return;
        }
        long ts = System.currentTimeMillis();
        // A dead letter's origin, named as Debezium names the table's records.
        Map<ChangeMapper.Table, String> sources = Map.of(
                ChangeMapper.Table.CUSTOMER,
                        "postgres:" + CdcProducer.LOGICAL_NAME + "."
                                + settings.db().schema() + "." + Tables.CUSTOMER,
                ChangeMapper.Table.SUBSCRIPTION,
                        "postgres:" + CdcProducer.LOGICAL_NAME + "."
                                + settings.db().schema() + "." + Tables.SUBSCRIPTION);
        List<AcknowledgedPublisher.Pending> chunk = new ArrayList<>(SNAPSHOT_CHUNK * 2);
        // One chunk in flight while the next is read: its acknowledgement is awaited before the next is sent.
        AcknowledgedPublisher.Sent[] inFlight = {null};
        long[] oversized = {0};
        // The customer snapshots are framed by markers in every partition: a segmenter rebuilding on these topics
        // (an older history before them) knows from the end marker that it has every customer.
        String snapshotId = "initial-" + ts;
        AcknowledgedPublisher.placeAll(
                chunk,
                Resnapshots.markers(new SnapshotMarker(snapshotId, SnapshotMarker.Phase.BEGIN, ts), partitions),
                null);
        InitialSnapshot.Position start = new InitialSnapshot(
                        settings.db(), settings.slotName(), settings.publicationName())
                .run(
                        (table, row) -> {
                            String source = sources.get(table);
                            List<ChangeMapper.Output> mapped = table == ChangeMapper.Table.SUBSCRIPTION
                                    ? ChangeMapper.mapCustomerSnapshot(row.get("user_id"), row.get("weeks"), ts)
                                    : ChangeMapper.mapSnapshotRow(table, row, ts);
                            for (ChangeMapper.Output o : mapped) {
                                chunk.add(new AcknowledgedPublisher.Pending(o, source, null));
                                if (o.target() == ChangeMapper.Target.DLQ
                                        && o.rejection().reason() == dev.hfc.core.event.RejectReason.OVERSIZED) {
                                    oversized[0]++;
                                }
                            }
                            if (chunk.size() >= SNAPSHOT_CHUNK) {
                                if (inFlight[0] != null) {
                                    inFlight[0].await();
                                }
                                inFlight[0] = publisher.send(new ArrayList<>(chunk));
                                chunk.clear();
                            }
                            return !closing.getAsBoolean();
                        },
                        closing);
        if (oversized[0] == 0) {
            AcknowledgedPublisher.placeAll(
                    chunk,
                    Resnapshots.markers(new SnapshotMarker(snapshotId, SnapshotMarker.Phase.END, ts), partitions),
                    null);
        } else {
            // The end marker would say every customer is between the two markers.
            LOG.error(
                    "initial snapshot: {} customer(s) have more subscription rows than one snapshot may carry (dead-lettered "
                            + "as oversized; see hfc.dlq): no end marker is written, so a rebuilding segmenter waits for a later "
                            + "'hfc snapshot'. Delete their old rows, then run it",
                    oversized[0]);
        }
        if (inFlight[0] != null) {
            inFlight[0].await();
        }
        publisher.publish(chunk);
        offsets.storeStart(start.lsn());
        LOG.info(
                "CDC producer: initial snapshot published; streaming from {} of slot {}",
                start.lsnText(),
                settings.slotName());
    }
}
