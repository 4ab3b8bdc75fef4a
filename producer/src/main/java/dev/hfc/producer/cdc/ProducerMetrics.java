package dev.hfc.producer.cdc;

import dev.hfc.core.event.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The producer's metrics, on the registry {@code /metrics} serves. */
public final class ProducerMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final Map<RejectReason, Counter> dlq = new EnumMap<>(RejectReason.class);
    private final Counter heartbeats;
    private final AtomicLong lastSourceTsMs = new AtomicLong();
    private final DistributionSummary lagMs;
    private final Counter resnapshotsDone;
    private final Counter resnapshotsFailed;

    public ProducerMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (RejectReason r : RejectReason.values()) {
            dlq.put(
                    r,
                    Counter.builder("hfc.producer.dlq")
                            .tag("reason", r.code())
                            .description("Source rows sent to the DLQ")
                            .register(registry));
        }
        heartbeats = Counter.builder("hfc.producer.heartbeats")
                .description("Debezium heartbeats seen")
                .register(registry);
        Gauge.builder("hfc.producer.last.source.timestamp.seconds", lastSourceTsMs, t -> t.get() / 1000.0)
                .description("Commit time in PostgreSQL of the latest change published")
                .register(registry);
        lagMs = DistributionSummary.builder("hfc.producer.publish.lag.ms")
                .description(
                        "Publish time minus commit time in PostgreSQL, once per commit time in each acknowledged batch")
                .baseUnit("milliseconds")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        resnapshotsDone = Counter.builder("hfc.producer.resnapshots")
                .tag("outcome", "done")
                .description("Re-snapshots asked for with hfc snapshot, by how they ended")
                .register(registry);
        resnapshotsFailed = Counter.builder("hfc.producer.resnapshots")
                .tag("outcome", "failed")
                .register(registry);
    }

    void resnapshot(boolean done) {
        (done ? resnapshotsDone : resnapshotsFailed).increment();
    }

    /** Re-snapshots that published every customer asked for. */
    public double resnapshotsDone() {
        return resnapshotsDone.count();
    }

    /**
     * Counts one batch Kafka acknowledged: its events by table and operation, and the publish lag once per run
     * of events with the same commit time (a transaction's events, or a whole chunk of the initial snapshot);
     * customer snapshots and markers count as events but not for the lag.
     * Per event, the counter lookup and the percentile summary took a tenth of the snapshot thread (JFR,
     * BENCHMARKS.md); consecutive events mostly share both.
     */
    void published(List<ChangeMapper.Output> outputs) {
        Counter counter = null;
        String table = null;
        String op = null;
        long run = 0;
        long lastTs = Long.MIN_VALUE;
        long now = System.currentTimeMillis();
        boolean change = true;
        for (ChangeMapper.Output o : outputs) {
            if (!o.table().equals(table) || !o.op().equals(op)) {
                // A customer snapshot or marker carries its read time, not a commit: it says nothing of how far
                // the change stream is behind, so it stays out of the freshness figures.
                change = !o.op().startsWith("snapshot");
                if (counter != null) {
                    counter.increment(run);
                }
                table = o.table();
                op = o.op();
                counter = eventCounter(table, op);
                run = 0;
            }
            run++;
            long ts = o.timestampMs();
            if (change && ts > 0 && ts != lastTs) {
                lastSourceTsMs.accumulateAndGet(ts, Math::max);
                lagMs.record(Math.max(0, now - ts));
                lastTs = ts;
            }
        }
        if (counter != null) {
            counter.increment(run);
        }
    }

    private Counter eventCounter(String table, String op) {
        return events.computeIfAbsent(
                table + "/" + op,
                k -> Counter.builder("hfc.producer.events")
                        .tag("table", table)
                        .tag("op", op)
                        .description("Events published")
                        .register(registry));
    }

    void deadLettered(RejectReason reason) {
        dlq.get(reason).increment();
    }

    void heartbeat() {
        heartbeats.increment();
    }

    public double published() {
        return events.values().stream().mapToDouble(Counter::count).sum();
    }

    public double deadLettered() {
        return dlq.values().stream().mapToDouble(Counter::count).sum();
    }
}
