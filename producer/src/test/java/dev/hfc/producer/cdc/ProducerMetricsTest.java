package dev.hfc.producer.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProducerMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProducerMetrics metrics = new ProducerMetrics(registry);

    private static ChangeMapper.Output out(String table, String op, long ts) {
        return new ChangeMapper.Output(
                ChangeMapper.Target.SUBSCRIPTION_EVENTS, new byte[0], new byte[0], ts, null, table, op);
    }

    private double events(String table, String op) {
        var c = registry.find("hfc.producer.events")
                .tag("table", table)
                .tag("op", op)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void countsEveryEventByTableAndOperationAcrossRunsAndBatches() {
        metrics.published(List.of(
                out("subscription", "c", 10),
                out("subscription", "c", 10),
                out("customer", "c", 10),
                out("subscription", "c", 10),
                out("subscription", "u", 11),
                out("subscription", "d", 11)));
        metrics.published(List.of(out("customer", "c", 12), out("subscription", "u", 12)));
        metrics.published(List.of());

        assertThat(events("subscription", "c")).isEqualTo(3);
        assertThat(events("customer", "c")).isEqualTo(2);
        assertThat(events("subscription", "u")).isEqualTo(2);
        assertThat(events("subscription", "d")).isEqualTo(1);
        assertThat(metrics.published()).isEqualTo(8);
    }

    @Test
    void recordsTheLagOncePerRunOfOneCommitTimeAndTheNewestCommitTime() {
        long now = System.currentTimeMillis();
        // Two transactions of three events each, then one without a commit time (never a lag sample).
        metrics.published(List.of(
                out("subscription", "u", now - 5_000),
                out("subscription", "u", now - 5_000),
                out("customer", "u", now - 5_000),
                out("subscription", "u", now - 1_000),
                out("subscription", "u", now - 1_000),
                out("subscription", "u", now - 1_000),
                out("subscription", "u", 0)));

        DistributionSummary lag = registry.find("hfc.producer.publish.lag.ms").summary();
        assertThat(lag.count()).isEqualTo(2);
        assertThat(lag.max()).isBetween(5_000.0, 60_000.0);
        assertThat(lag.totalAmount()).isBetween(6_000.0, 120_000.0);
        assertThat(registry.find("hfc.producer.last.source.timestamp.seconds")
                        .gauge()
                        .value())
                .isEqualTo((now - 1_000) / 1000.0);
    }
}
