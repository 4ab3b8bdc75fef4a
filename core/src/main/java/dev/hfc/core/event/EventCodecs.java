package dev.hfc.core.event;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import java.io.IOException;
import java.util.Optional;

/** The codecs of the three event types of §5. */
public final class EventCodecs {

    public static final EventCodec<SubscriptionEvent> SUBSCRIPTION_EVENT = new SubscriptionEventCodec();
    public static final EventCodec<CustomerEvent> CUSTOMER = new CustomerEventCodec();
    public static final EventCodec<CustomerSegment> CUSTOMER_SEGMENT = new CustomerSegmentCodec();

    private EventCodecs() {}

    private static final class SubscriptionEventCodec extends EventCodec<SubscriptionEvent> {
        SubscriptionEventCodec() {
            super("subscription event", DEFAULT_MAX_BYTES);
        }

        @Override
        protected void write(SubscriptionEvent e, JsonGenerator g) throws IOException {
            g.writeNumberField("schema_version", SubscriptionEvent.SCHEMA_VERSION);
            g.writeStringField("user_id", e.userId().toString());
            g.writeStringField("subscription_id", e.subscriptionId().toString());
            g.writeStringField("week", e.week().toString());
            if (e.status() == null) {
                g.writeNullField("status");
            } else {
                g.writeStringField("status", e.status().wire());
            }
            g.writeStringField("op", e.op().wire());
            g.writeNumberField("source_ts_ms", e.sourceTsMs());
        }

        @Override
        protected SubscriptionEvent read(JsonNode root) {
            Fields.schemaVersion(root, SubscriptionEvent.SCHEMA_VERSION);
            var userId = Fields.uuidField(root, "user_id");
            var subscriptionId = Fields.uuidField(root, "subscription_id");
            var week = Fields.week(root, "week");
            String opText = Fields.text(root, "op");
            SubscriptionEvent.Op op = switch (opText) {
                case "upsert" -> SubscriptionEvent.Op.UPSERT;
                case "delete" -> SubscriptionEvent.Op.DELETE;
                default -> throw Fields.reject(RejectReason.UNKNOWN_OP,
                        "op '" + Fields.abbreviate(opText) + "' is not upsert or delete");
            };
            String statusText = op == SubscriptionEvent.Op.UPSERT
                    ? Fields.text(root, "status")
                    : Fields.optionalText(root, "status");
            SubscriptionStatus status = statusText == null ? null : SubscriptionStatus.fromWire(statusText)
                    .orElseThrow(() -> Fields.reject(RejectReason.UNKNOWN_STATUS, "status '"
                            + Fields.abbreviate(statusText) + "' is not paused, active or cancelled"));
            long ts = Fields.integer(root, "source_ts_ms");
            return new SubscriptionEvent(userId, subscriptionId, week, status, op, ts);
        }
    }

    private static final class CustomerEventCodec extends EventCodec<CustomerEvent> {
        CustomerEventCodec() {
            super("customer event", DEFAULT_MAX_BYTES);
        }

        @Override
        protected void write(CustomerEvent e, JsonGenerator g) throws IOException {
            g.writeNumberField("schema_version", CustomerEvent.SCHEMA_VERSION);
            g.writeStringField("user_id", e.userId().toString());
            g.writeStringField("email", e.email());
            g.writeStringField("status", e.status());
        }

        @Override
        protected CustomerEvent read(JsonNode root) {
            Fields.schemaVersion(root, CustomerEvent.SCHEMA_VERSION);
            var userId = Fields.uuidField(root, "user_id");
            // The email is checked where it is used (the segmenter), so that a customer whose address
            // became unusable is reported there with its segments, not lost here.
            String email = Fields.optionalText(root, "email");
            String status = Fields.optionalText(root, "status");
            return new CustomerEvent(userId, email, status);
        }
    }

    private static final class CustomerSegmentCodec extends EventCodec<CustomerSegment> {
        CustomerSegmentCodec() {
            super("customer segment", DEFAULT_MAX_BYTES);
        }

        @Override
        protected void write(CustomerSegment s, JsonGenerator g) throws IOException {
            g.writeNumberField("schema_version", CustomerSegment.SCHEMA_VERSION);
            g.writeStringField("user_id", s.userId().toString());
            g.writeStringField("email", s.email());
            g.writeStringField("week", s.week().toString());
            g.writeStringField("segment", s.segment().wire());
            g.writeNumberField("pause_weeks", s.pauseWeeks());
            g.writeStringField("subscription_id", s.subscriptionId().toString());
            g.writeNumberField("computed_at_ms", s.computedAtMs());
        }

        @Override
        protected CustomerSegment read(JsonNode root) {
            Fields.schemaVersion(root, CustomerSegment.SCHEMA_VERSION);
            var userId = Fields.uuidField(root, "user_id");
            String email = Fields.text(root, "email");
            Optional<Rejection> emailProblem = EmailAddress.check(email);
            if (emailProblem.isPresent()) {
                throw new RejectedRecordException(emailProblem.get());
            }
            var week = Fields.week(root, "week");
            String segmentText = Fields.text(root, "segment");
            Segment segment = Segment.fromWire(segmentText).orElseThrow(() -> Fields.reject(
                    RejectReason.UNKNOWN_SEGMENT,
                    "segment '" + Fields.abbreviate(segmentText) + "' is not low, medium or high"));
            long pauseWeeks = Fields.integer(root, "pause_weeks");
            if (pauseWeeks < 1 || pauseWeeks > 52) {
                throw Fields.reject(RejectReason.WRONG_TYPE, "pause_weeks " + pauseWeeks + " is outside 1..52");
            }
            var subscriptionId = Fields.uuidField(root, "subscription_id");
            long computedAt = Fields.integer(root, "computed_at_ms");
            return new CustomerSegment(userId, email, week, segment, (int) pauseWeeks, subscriptionId, computedAt);
        }
    }
}
