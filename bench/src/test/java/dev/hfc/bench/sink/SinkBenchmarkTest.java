package dev.hfc.bench.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerSegment;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class SinkBenchmarkTest {

    @Test
    void rowsGoToThePartitionKafkaWouldGiveTheirKey() {
        for (CustomerSegment s : SinkBenchmark.rows(2_000, 7, 0)) {
            assertThat(SinkBenchmark.partitionOf(s.key()))
                    .isEqualTo(BuiltInPartitioner.partitionForKey(s.key().toBytes(), SinkBenchmark.PARTITIONS));
        }
    }

    @Test
    void sharesSplitThePartitionsBetweenConsumersAndKeepEachPartitionInOrder() {
        List<CustomerSegment> rows = SinkBenchmark.rows(6_000, 7, 0);
        List<List<SinkBenchmark.Sourced>> shares = SinkBenchmark.shares(rows, 2);

        assertThat(shares).hasSize(2);
        assertThat(shares.get(0).size() + shares.get(1).size()).isEqualTo(rows.size());
        List<CustomerSegment> seen = new ArrayList<>();
        for (int consumer = 0; consumer < 2; consumer++) {
            long[] nextOffset = new long[SinkBenchmark.PARTITIONS];
            for (SinkBenchmark.Sourced r : shares.get(consumer)) {
                assertThat(r.partition() % 2)
                        .as("partition %d owned by consumer %d", r.partition(), consumer)
                        .isEqualTo(consumer);
                assertThat(r.offset()).isEqualTo(nextOffset[r.partition()]++);
                seen.add(r.segment());
            }
            // Every partition gets a fair share of 6,000 random keys.
            for (int p = consumer; p < SinkBenchmark.PARTITIONS; p += 2) {
                assertThat(nextOffset[p]).isBetween(800L, 1_200L);
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(rows);
    }

    @Test
    void oneConsumerGetsEveryRowInTheOriginalOrder() {
        List<CustomerSegment> rows = SinkBenchmark.rows(500, 3, 0);
        assertThat(SinkBenchmark.shares(rows, 1))
                .singleElement()
                .satisfies(share -> assertThat(share)
                        .extracting(SinkBenchmark.Sourced::segment)
                        .containsExactlyElementsOf(rows));
    }
}
