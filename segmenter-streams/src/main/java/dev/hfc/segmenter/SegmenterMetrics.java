package dev.hfc.segmenter;

import dev.hfc.core.event.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/** The segmenter's counters, on the registry that {@code /metrics} serves. */
public final class SegmenterMetrics {

    private final MeterRegistry registry;
    private final Counter subscriptionEventsIn;
    private final Counter customersIn;
    private final Counter upserts;
    private final Counter tombstones;
    private final Counter resegmented;
    private final Map<Segmentation.Effect, Counter> effects = new EnumMap<>(Segmentation.Effect.class);
    private final Map<RejectReason, Counter> dlq = new EnumMap<>(RejectReason.class);

    public SegmenterMetrics(MeterRegistry registry) {
        this.registry = registry;
        io.micrometer.core.instrument.Gauge.builder(
                        "hfc.segmenter.customers.waiting", this, SegmenterMetrics::customersWaiting)
                .description("Customers with subscription rows but no customer row yet (nothing is segmented for them)")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder(
                        "hfc.segmenter.customers.waiting.oldest.seconds", this, SegmenterMetrics::oldestWaitingSeconds)
                .description("Age of the oldest subscription row still waiting for its customer row")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder(
                        "hfc.segmenter.tasks.rebuilding", this, SegmenterMetrics::tasksRebuilding)
                .description(
                        "Tasks that started with no state on an input whose beginning was deleted: they publish nothing "
                                + "until they have read a snapshot of all customers")
                .register(registry);
        subscriptionEventsIn = Counter.builder("hfc.segmenter.records.in")
                .tag("input", "subscription-events")
                .description("Input records processed")
                .register(registry);
        customersIn = Counter.builder("hfc.segmenter.records.in")
                .tag("input", "customers")
                .register(registry);
        upserts = Counter.builder("hfc.segmenter.segments.emitted")
                .tag("kind", "upsert")
                .description("Segment records published")
                .register(registry);
        tombstones = Counter.builder("hfc.segmenter.segments.emitted")
                .tag("kind", "tombstone")
                .register(registry);
        resegmented = Counter.builder("hfc.segmenter.resegmented.customers")
                .description("Customers re-segmented from their state after a change of policy")
                .register(registry);
        for (Segmentation.Effect e : Segmentation.Effect.values()) {
            effects.put(
                    e,
                    Counter.builder("hfc.segmenter.inputs")
                            .tag("effect", e.name().toLowerCase(java.util.Locale.ROOT))
                            .description("How input records were taken")
                            .register(registry));
        }
        for (RejectReason r : RejectReason.values()) {
            dlq.put(
                    r,
                    Counter.builder("hfc.segmenter.dlq")
                            .tag("reason", r.code())
                            .description("Records sent to the dead-letter topic")
                            .register(registry));
        }
    }

    private final java.util.concurrent.atomic.AtomicInteger resegmentedTasks =
            new java.util.concurrent.atomic.AtomicInteger();

    void resegmented(long customers) {
        resegmented.increment(customers);
        resegmentedTasks.incrementAndGet();
    }

    /** Tasks of this instance that finished a re-segmentation since it started. */
    public int resegmentedTasks() {
        return resegmentedTasks.get();
    }

    public double resegmentedCustomers() {
        return resegmented.count();
    }

    /** Per task: customers waiting for their customer row, and the record time of the oldest (null: none). */
    private final java.util.concurrent.ConcurrentHashMap<String, long[]> waiting =
            new java.util.concurrent.ConcurrentHashMap<>();

    void waiting(String task, long count, Long oldestMs) {
        waiting.put(task, new long[] {count, oldestMs == null ? Long.MAX_VALUE : oldestMs});
    }

    void waitingGone(String task) {
        waiting.remove(task);
    }

    /** Customers with subscription rows and no customer row, over this instance's tasks (as last reported). */
    public long customersWaiting() {
        return waiting.values().stream().mapToLong(w -> w[0]).sum();
    }

    /** Seconds since the oldest waiting customer's first subscription row was written; 0 when none waits. */
    public double oldestWaitingSeconds() {
        long oldest = waiting.values().stream().mapToLong(w -> w[1]).min().orElse(Long.MAX_VALUE);
        return oldest == Long.MAX_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - oldest) / 1000.0;
    }

    /** Tasks of this instance that are rebuilding (holding their output until a whole snapshot). */
    private final java.util.Set<String> rebuilding = java.util.concurrent.ConcurrentHashMap.newKeySet();

    void rebuilding(String task, boolean is) {
        if (is) {
            rebuilding.add(task);
        } else {
            rebuilding.remove(task);
        }
    }

    void rebuildingGone(String task) {
        rebuilding.remove(task);
    }

    public int tasksRebuilding() {
        return rebuilding.size();
    }

    public MeterRegistry registry() {
        return registry;
    }

    void subscriptionEventIn() {
        subscriptionEventsIn.increment();
    }

    void customerIn() {
        customersIn.increment();
    }

    void emitted(boolean tombstone) {
        (tombstone ? tombstones : upserts).increment();
    }

    void effect(Segmentation.Effect effect) {
        effects.get(effect).increment();
    }

    void deadLettered(RejectReason reason) {
        dlq.get(reason).increment();
    }

    public double deadLettered() {
        return dlq.values().stream().mapToDouble(Counter::count).sum();
    }

    public double emittedUpserts() {
        return upserts.count();
    }

    public double emittedTombstones() {
        return tombstones.count();
    }
}
