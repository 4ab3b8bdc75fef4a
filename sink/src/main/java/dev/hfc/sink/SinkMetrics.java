package dev.hfc.sink;

import dev.hfc.core.event.RejectReason;
import dev.hfc.sink.copy.WritePhaseRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sink's metrics (§5 of the sink issue), on the registry {@code /metrics} serves; also where the sink's writers
 * report the phases of their writes ({@code hfc.sink.write.phase}).
 */
public final class SinkMetrics implements WritePhaseRecorder {

    private final MeterRegistry registry;
    private final Counter upserted;
    private final Counter deleted;
    private final Counter records;
    private final Counter retries;
    private final DistributionSummary batchSize;
    private final Timer batchDuration;
    private final Map<RejectReason, Counter> dlq = new EnumMap<>(RejectReason.class);
    private final Map<Phase, Timer> writePhases = new EnumMap<>(Phase.class);
    private final AtomicLong lastBatchRowsPerSecond = new AtomicLong();
    /** Records behind, per consumer of this process. */
    private final Map<Integer, Long> lagRecords = new ConcurrentHashMap<>();

    private final AtomicLong lastWrittenTimestampMs = new AtomicLong();

    public SinkMetrics(MeterRegistry registry) {
        this.registry = registry;
        upserted = Counter.builder("hfc.sink.rows.upserted")
                .description("Rows inserted or changed")
                .register(registry);
        deleted = Counter.builder("hfc.sink.rows.deleted")
                .description("Unsent rows deleted by tombstones")
                .register(registry);
        records = Counter.builder("hfc.sink.records")
                .description("Kafka records written (incl. superseded in a batch)")
                .register(registry);
        retries = Counter.builder("hfc.sink.db.retries")
                .description(
                        "Database calls retried after a lost connection, a lost conflict between transactions or dead letters Kafka did not take")
                .register(registry);
        batchSize = DistributionSummary.builder("hfc.sink.batch.records")
                .description("Records per batch")
                .register(registry);
        batchDuration = Timer.builder("hfc.sink.batch.duration")
                .description("Time to write and commit one batch")
                .register(registry);
        for (RejectReason r : RejectReason.values()) {
            dlq.put(
                    r,
                    Counter.builder("hfc.sink.dlq")
                            .tag("reason", r.code())
                            .description("Records sent to the DLQ")
                            .register(registry));
        }
        for (Phase p : Phase.values()) {
            writePhases.put(
                    p,
                    Timer.builder("hfc.sink.write.phase")
                            .tag("phase", p.tag())
                            .description(
                                    "Time of a committed batch write spent in a phase: copy, upsert (staged "
                                            + "batches), other (connection, deletes, outcomes, probe, position check, offsets, dead letters), commit")
                            .register(registry));
        }
        Gauge.builder("hfc.sink.rows.per.second", lastBatchRowsPerSecond, AtomicLong::get)
                .description("Records per second of the last batch")
                .register(registry);
        Gauge.builder(
                        "hfc.sink.lag.records",
                        lagRecords,
                        m -> m.values().stream().mapToLong(Long::longValue).sum())
                .description("Records behind the end of the partitions assigned to this process")
                .register(registry);
        Gauge.builder(
                        "hfc.sink.lag.seconds",
                        lastWrittenTimestampMs,
                        t -> t.get() <= 0 ? Double.NaN : (System.currentTimeMillis() - t.get()) / 1000.0)
                .description("Now minus the timestamp of the newest record written")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    void batch(int recordCount, long upsertedRows, long deletedRows, Duration took, long maxTimestampMs) {
        records.increment(recordCount);
        upserted.increment(upsertedRows);
        deleted.increment(deletedRows);
        batchSize.record(recordCount);
        batchDuration.record(took);
        lastBatchRowsPerSecond.set(took.isZero() ? 0 : (long) (recordCount / (took.toNanos() / 1e9)));
        if (maxTimestampMs > 0) {
            lastWrittenTimestampMs.accumulateAndGet(maxTimestampMs, Math::max);
        }
    }

    /** Thread-safe: every consumer's writer of this process reports here. */
    @Override
    public void recordPhase(Phase phase, long nanos) {
        writePhases.get(phase).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The timer of one phase of the writes: its count is the writes in which the phase ran, its total their time. */
    public Timer writePhase(Phase phase) {
        return writePhases.get(phase);
    }

    void deadLettered(RejectReason reason) {
        dlq.get(reason).increment();
    }

    void retried() {
        retries.increment();
    }

    void lag(int consumer, long recordsBehind) {
        lagRecords.put(consumer, recordsBehind);
    }

    public double upserted() {
        return upserted.count();
    }

    public double records() {
        return records.count();
    }

    public double deadLettered() {
        return dlq.values().stream().mapToDouble(Counter::count).sum();
    }
}
