package dev.hfc.bench;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import dev.hfc.segmenter.CustomerState;
import dev.hfc.segmenter.Segmentation;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The segmentation rule alone, in memory: one customer as the initial load brings it (its row, then 11
 * subscription events, one paused run), applied from an empty state. No store, no serde, no Kafka.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SegmentationBenchmark {

    private final Segmentation segmentation = new Segmentation(SegmentPolicy.DEFAULT, ZoneOffset.UTC);
    private final UUID user = UUID.fromString("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    private final CustomerEvent customer = new CustomerEvent(user, "someone@example.com", "active");
    private final List<SubscriptionEvent> weeks = new ArrayList<>();
    private final long now = Week.parse("2026-W48")
            .monday()
            .atStartOfDay(ZoneOffset.UTC)
            .toInstant()
            .toEpochMilli();

    public SegmentationBenchmark() {
        Week first = Week.parse("2026-W44");
        for (int i = 0; i < 11; i++) {
            SubscriptionStatus status = i >= 5 && i < 8 ? SubscriptionStatus.PAUSED : SubscriptionStatus.ACTIVE;
            weeks.add(SubscriptionEvent.upsert(
                    user, new UUID(user.getMostSignificantBits(), i), first.plus(i), status, now));
        }
    }

    /** Per customer: 12 events through the rule. */
    @Benchmark
    public CustomerState oneCustomerFromEmpty() {
        CustomerState state = segmentation
                .onCustomer(CustomerState.EMPTY, user, customer, now, now)
                .state();
        for (SubscriptionEvent e : weeks) {
            state = segmentation.onSubscription(state, e, now, now).state();
        }
        return state;
    }
}
