package dev.hfc.sink.batch;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.DecodeResult;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.topic.DeadLetterPublisher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Turns the records a sink consumer polls into its {@link SegmentBatch}, and sends the ones that cannot be
 * written to the dead-letter topic. It is kept apart from the poll loop so that what becomes of each record (a
 * value, a tombstone with its end reason, or a refusal with its reason) is tested without Kafka or PostgreSQL.
 * A refused record stays in the batch, so that its offset moves on with the batch; it goes to the dead-letter
 * topic when the batch is written, before the batch's transaction commits ({@link DeadLetterSink}).
 */
public final class BatchAssembler implements DeadLetterSink {

    private final SegmentBatch batch = new SegmentBatch();
    private final DeadLetterPublisher deadLetters;
    private final Consumer<RejectReason> deadLettered;

    /**
     * @param deadLetters  where refused records go
     * @param deadLettered told of each refused record once the dead-letter topic has it (the DLQ counter)
     */
    public BatchAssembler(DeadLetterPublisher deadLetters, Consumer<RejectReason> deadLettered) {
        this.deadLetters = deadLetters;
        this.deadLettered = deadLettered;
    }

    /** The batch the records go into; its consumer writes it, clears it and drops partitions from it. */
    public SegmentBatch batch() {
        return batch;
    }

    /** Adds one polled record to the batch: its value, its tombstone, or its refusal and why. */
    public void add(ConsumerRecord<byte[], byte[]> r) {
        var source = new SegmentBatch.Source(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
        DecodeResult<SegmentKey> key = SegmentKey.decode(r.key());
        if (key instanceof DecodeResult.Invalid<SegmentKey> bad) {
            batch.refuse(source, bad.rejection());
            return;
        }
        SegmentKey k = key.orThrow();
        if (r.value() == null) {
            var reason = r.headers().lastHeader(EndReason.HEADER);
            batch.tombstone(k, EndReason.fromHeader(reason == null ? null : reason.value()), source);
            return;
        }
        DecodeResult<CustomerSegment> value = EventCodecs.CUSTOMER_SEGMENT.decode(r.value());
        if (value instanceof DecodeResult.Invalid<CustomerSegment> bad) {
            batch.refuse(source, bad.rejection());
        } else if (!value.orThrow().key().equals(k)) {
            batch.refuse(
                    source,
                    new Rejection(
                            RejectReason.KEY_MISMATCH,
                            "key " + k + " differs from the value's week and user_id "
                                    + value.orThrow().key()));
        } else {
            batch.add(k, value.orThrow(), source);
        }
    }

    /** Writes refused records to the DLQ and waits until Kafka has them (called before the commit). */
    @Override
    public void send(List<SegmentBatch.Refused> refused) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (SegmentBatch.Refused r : refused) {
            sent.add(deadLetters.publish(
                    r.rejection(),
                    r.source().topic(),
                    r.source().partition(),
                    r.source().offset(),
                    r.source().timestampMs(),
                    r.source().key(),
                    r.source().value()));
        }
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }
        refused.forEach(r -> deadLettered.accept(r.rejection().reason()));
    }
}
