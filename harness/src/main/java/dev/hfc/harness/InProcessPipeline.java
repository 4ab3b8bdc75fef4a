package dev.hfc.harness;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.producer.cdc.CdcProducer;
import dev.hfc.producer.cdc.ProducerMetrics;
import dev.hfc.segmenter.SegmenterConfig;
import dev.hfc.segmenter.SegmenterMetrics;
import dev.hfc.segmenter.SegmenterService;
import dev.hfc.sink.SinkMetrics;
import dev.hfc.sink.SinkService;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;

/**
 * Producer, segmenter and sink in this process, wired to one broker, one schema and one set of topics: the
 * demo's pipeline and the end-to-end benchmarks'. Started sink first, so that nothing the producer
 * publishes waits for a consumer to appear; stopped in the reverse order.
 */
public final class InProcessPipeline implements AutoCloseable {

    /**
     * @param id        names the consumer groups, the application id and the replication slot and publication
     * @param sinkLinger how long the sink lets a batch fill
     */
    public record Settings(
            KafkaSettings kafka,
            Topics topics,
            DbSettings db,
            String id,
            Path stateDir,
            TopicProvisioner.Layout layout,
            SegmentPolicy policy,
            Duration sinkLinger) {
        public String slot() {
            return id.replace('-', '_');
        }
    }

    private final String slot;
    private final SinkService sink;
    private final SegmenterService segmenter;
    private final CdcProducer producer;
    private final ProducerMetrics producerMetrics;

    private InProcessPipeline(
            String slot,
            SinkService sink,
            SegmenterService segmenter,
            CdcProducer producer,
            ProducerMetrics producerMetrics) {
        this.slot = slot;
        this.sink = sink;
        this.segmenter = segmenter;
        this.producer = producer;
        this.producerMetrics = producerMetrics;
    }

    public static InProcessPipeline start(Settings s, MeterRegistry registry) throws java.sql.SQLException {
        ProducerMetrics producerMetrics = new ProducerMetrics(registry);
        SinkService sink = SinkService.start(
                SinkService.Settings.defaults(s.kafka(), s.topics(), s.db())
                        .withGroupId(s.id() + "-sink")
                        .withLinger(s.sinkLinger())
                        .withDbRetryTimeout(Duration.ofMinutes(2))
                        .withTopicLayout(s.layout()),
                new SinkMetrics(registry));
        SegmenterService segmenter = null;
        try {
            segmenter = SegmenterService.start(
                    SegmenterService.Settings.defaults(
                                    s.kafka(), new SegmenterConfig(s.topics(), s.policy(), ZoneOffset.UTC))
                            .withApplicationId(s.id() + "-segmenter")
                            .withThreads(2)
                            .withStateDir(s.stateDir())
                            .withTopicLayout(s.layout()),
                    new SegmenterMetrics(registry));
            CdcProducer producer = CdcProducer.start(
                    CdcProducer.Settings.defaults(s.kafka(), s.topics(), s.db())
                            .withSlot(s.slot(), s.slot())
                            .withHeartbeatInterval(Duration.ofSeconds(5))
                            .withTopicLayout(s.layout()),
                    producerMetrics);
            return new InProcessPipeline(s.slot(), sink, segmenter, producer, producerMetrics);
        } catch (java.sql.SQLException | RuntimeException e) {
            if (segmenter != null) {
                segmenter.close();
            }
            sink.close();
            throw e;
        }
    }

    /** Why a service stopped on its own, or null while all three run. */
    public String failure() {
        for (var service : new dev.hfc.core.ops.RunningService[] {producer, segmenter, sink}) {
            if (service.failure() != null) {
                return service.failure();
            }
        }
        return null;
    }

    /** Up only when all three are. */
    public OpsServer.Health health() {
        StringBuilder detail = new StringBuilder();
        boolean up = true;
        for (OpsServer.Health h : new OpsServer.Health[] {sink.health(), segmenter.health(), producer.health()}) {
            up &= h.up();
            detail.append(detail.length() == 0 ? "" : "; ").append(h.detail());
        }
        return new OpsServer.Health(up, detail.toString());
    }

    /** Events the producer has published so far. */
    public long published() {
        return (long) producerMetrics.published();
    }

    /** The producer's replication slot (a re-snapshot request names it). */
    public String slot() {
        return slot;
    }

    /** Re-snapshots the producer finished (every customer asked for published). */
    public long resnapshotsDone() {
        return (long) producerMetrics.resnapshotsDone();
    }

    @Override
    public void close() {
        producer.close();
        segmenter.close();
        sink.close();
    }
}
