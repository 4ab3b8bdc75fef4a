package dev.hfc.segmenter;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import java.util.UUID;
import org.apache.kafka.streams.processor.api.Record;

/** {@code hfc.customers}: upserts, and tombstones for deleted customers. */
final class CustomersProcessor extends SegmentingProcessor<CustomerEvent> {

    CustomersProcessor(Segmentation segmentation, SegmenterMetrics metrics, SegmenterConfig config) {
        super(segmentation, metrics, config);
    }

    @Override
    protected void countIn() {
        metrics.customerIn();
        if (meta.rebuilding()) {
            context.recordMetadata().ifPresent(m -> meta.put(TaskMeta.CUSTOMERS_OFFSET, Long.toString(m.offset())));
        }
    }

    @Override
    protected Segmentation.Outcome apply(CustomerState state, UUID userId, Record<String, CustomerEvent> record) {
        CustomerEvent event = record.value();
        if (event != null && !event.userId().equals(userId)) {
            deadLetter(
                    record,
                    new Rejection(
                            RejectReason.KEY_MISMATCH,
                            "key " + userId + " differs from the customer's user_id " + event.userId()));
            return null;
        }
        return segmentation.onCustomer(state, userId, event, record.timestamp(), now());
    }

    @Override
    protected byte[] valueBytes(CustomerEvent value) {
        return EventCodecs.CUSTOMER.encode(value);
    }
}
