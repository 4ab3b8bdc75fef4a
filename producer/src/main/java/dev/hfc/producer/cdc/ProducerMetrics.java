package dev.hfc.producer.cdc;

import dev.hfc.core.event.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
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

    public ProducerMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (RejectReason r : RejectReason.values()) {
            dlq.put(r, Counter.builder("hfc.producer.dlq").tag("reason", r.code())
                    .description("Source rows sent to the DLQ").register(registry));
        }
        heartbeats = Counter.builder("hfc.producer.heartbeats").description("Debezium heartbeats seen").register(registry);
        Gauge.builder("hfc.producer.last.source.timestamp.seconds", lastSourceTsMs, t -> t.get() / 1000.0)
                .description("Commit time in PostgreSQL of the latest change published").register(registry);
        lagMs = DistributionSummary.builder("hfc.producer.publish.lag.ms")
                .description("Publish time minus commit time in PostgreSQL").baseUnit("milliseconds")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    void published(String table, String op, long sourceTsMs) {
        events.computeIfAbsent(table + "/" + op, k -> Counter.builder("hfc.producer.events").tag("table", table).tag("op", op)
                .description("Events published").register(registry)).increment();
        if (sourceTsMs > 0) {
            lastSourceTsMs.accumulateAndGet(sourceTsMs, Math::max);
            lagMs.record(Math.max(0, System.currentTimeMillis() - sourceTsMs));
        }
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
