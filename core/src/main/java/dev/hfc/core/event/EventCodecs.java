package dev.hfc.core.event;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The codecs of the event types of §5. */
public final class EventCodecs {

    /** Largest value of {@code hfc.subscription-events}: a customer snapshot of some 2,800 weeks. */
    public static final int SUBSCRIPTION_INPUT_MAX_BYTES = 256 * 1024;

    /** One week's change only (what the producer writes per change; refuses the other ops). */
    public static final EventCodec<SubscriptionEvent> SUBSCRIPTION_EVENT = new SubscriptionEventCodec();
    /** Every value of {@code hfc.subscription-events}: changes, customer snapshots and snapshot markers. */
    public static final EventCodec<SubscriptionInput> SUBSCRIPTION_INPUT = new SubscriptionInputCodec();

    public static final EventCodec<CustomerEvent> CUSTOMER = new CustomerEventCodec();
    public static final EventCodec<CustomerSegment> CUSTOMER_SEGMENT = new CustomerSegmentCodec();

    private EventCodecs() {}

    private static final class SubscriptionEventCodec extends EventCodec<SubscriptionEvent> {
        SubscriptionEventCodec() {
            super("subscription event", DEFAULT_MAX_BYTES);
        }

        @Override
        protected void write(SubscriptionEvent e, JsonGenerator g) throws IOException {
            writeEvent(e, g);
        }

        @Override
        protected SubscriptionEvent read(JsonNode root) {
            Fields.schemaVersion(root, SubscriptionEvent.SCHEMA_VERSION);
            String opText = Fields.text(root, "op");
            return switch (opText) {
                case "upsert" -> readEvent(root, SubscriptionEvent.Op.UPSERT);
                case "delete" -> readEvent(root, SubscriptionEvent.Op.DELETE);
                default ->
                    throw Fields.reject(
                            RejectReason.UNKNOWN_OP, "op '" + Fields.abbreviate(opText) + "' is not upsert or delete");
            };
        }
    }

    /**
     * Everything {@code hfc.subscription-events} may carry ({@link SubscriptionInput}): a week's change, a
     * customer snapshot, a snapshot marker; told apart by {@code op}. A snapshot may be large (a customer's
     * every week): values up to {@link #SUBSCRIPTION_INPUT_MAX_BYTES} are read.
     */
    private static final class SubscriptionInputCodec extends EventCodec<SubscriptionInput> {
        SubscriptionInputCodec() {
            super("subscription event", SUBSCRIPTION_INPUT_MAX_BYTES);
        }

        @Override
        protected void write(SubscriptionInput value, JsonGenerator g) throws IOException {
            if (value instanceof SubscriptionEvent e) {
                writeEvent(e, g);
            } else if (value instanceof CustomerSnapshot s) {
                g.writeNumberField("schema_version", SubscriptionEvent.SCHEMA_VERSION);
                g.writeStringField("op", CustomerSnapshot.OP);
                g.writeStringField("user_id", s.userId().toString());
                g.writeArrayFieldStart("weeks");
                for (CustomerSnapshot.WeekRow w : s.weeks()) {
                    g.writeStartObject();
                    g.writeStringField("week", w.week().toString());
                    g.writeStringField("status", w.status().wire());
                    g.writeStringField("subscription_id", w.subscriptionId().toString());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeNumberField("source_ts_ms", s.sourceTsMs());
            } else {
                SnapshotMarker m = (SnapshotMarker) value;
                g.writeNumberField("schema_version", SubscriptionEvent.SCHEMA_VERSION);
                g.writeStringField("op", m.phase().wire());
                g.writeStringField("snapshot_id", m.snapshotId());
                g.writeNumberField("source_ts_ms", m.sourceTsMs());
            }
        }

        @Override
        protected SubscriptionInput read(JsonNode root) {
            Fields.schemaVersion(root, SubscriptionEvent.SCHEMA_VERSION);
            return readInput(root);
        }
    }

    private static void writeEvent(SubscriptionEvent e, JsonGenerator g) throws IOException {
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

    private static SubscriptionInput readInput(JsonNode root) {
        String opText = Fields.text(root, "op");
        return switch (opText) {
            case "upsert" -> readEvent(root, SubscriptionEvent.Op.UPSERT);
            case "delete" -> readEvent(root, SubscriptionEvent.Op.DELETE);
            case CustomerSnapshot.OP -> readSnapshot(root);
            case "snapshot-begin" -> readMarker(root, SnapshotMarker.Phase.BEGIN);
            case "snapshot-end" -> readMarker(root, SnapshotMarker.Phase.END);
            default ->
                throw Fields.reject(
                        RejectReason.UNKNOWN_OP,
                        "op '" + Fields.abbreviate(opText)
                                + "' is not upsert, delete, snapshot, snapshot-begin or snapshot-end");
        };
    }

    private static SubscriptionEvent readEvent(JsonNode root, SubscriptionEvent.Op op) {
        var userId = Fields.uuidField(root, "user_id");
        var subscriptionId = Fields.uuidField(root, "subscription_id");
        var week = Fields.week(root, "week");
        String statusText =
                op == SubscriptionEvent.Op.UPSERT ? Fields.text(root, "status") : Fields.optionalText(root, "status");
        SubscriptionStatus status = statusText == null ? null : status(statusText);
        long ts = Fields.integer(root, "source_ts_ms");
        return new SubscriptionEvent(userId, subscriptionId, week, status, op, ts);
    }

    private static CustomerSnapshot readSnapshot(JsonNode root) {
        var userId = Fields.uuidField(root, "user_id");
        JsonNode weeks = root.get("weeks");
        if (weeks == null || weeks.isNull()) {
            throw Fields.reject(
                    RejectReason.MISSING_FIELD,
                    "snapshot of " + userId + ": field 'weeks' is missing "
                            + "(an empty array says the customer has no subscription rows)");
        }
        if (!weeks.isArray()) {
            throw Fields.reject(
                    RejectReason.WRONG_TYPE,
                    "snapshot of " + userId + ": field 'weeks' must be an array, got " + weeks.getNodeType());
        }
        List<CustomerSnapshot.WeekRow> rows = new ArrayList<>(weeks.size());
        Set<Week> seen = new HashSet<>();
        for (int i = 0; i < weeks.size(); i++) {
            JsonNode w = weeks.get(i);
            CustomerSnapshot.WeekRow row;
            try {
                if (!w.isObject()) {
                    throw Fields.reject(RejectReason.WRONG_TYPE, "must be an object, got " + w.getNodeType());
                }
                row = new CustomerSnapshot.WeekRow(
                        Fields.week(w, "week"),
                        status(Fields.text(w, "status")),
                        Fields.uuidField(w, "subscription_id"));
            } catch (RejectedRecordException e) {
                throw Fields.reject(
                        e.rejection().reason(),
                        "snapshot of " + userId + ": weeks[" + i + "]: "
                                + e.rejection().detail());
            }
            if (!seen.add(row.week())) {
                throw Fields.reject(
                        RejectReason.DUPLICATE_WEEK,
                        "snapshot of " + userId + ": week " + row.week() + " appears twice (weeks[" + i
                                + "]); a customer has one subscription row per week");
            }
            rows.add(row);
        }
        long ts = Fields.integer(root, "source_ts_ms");
        return new CustomerSnapshot(userId, rows, ts);
    }

    private static SnapshotMarker readMarker(JsonNode root, SnapshotMarker.Phase phase) {
        String id = Fields.text(root, "snapshot_id");
        if (!SnapshotMarker.validId(id)) {
            throw Fields.reject(
                    RejectReason.WRONG_TYPE,
                    "snapshot_id '" + Fields.abbreviate(id) + "' must be 1-64 letters, digits, '.', '_', ':' or '-'");
        }
        return new SnapshotMarker(id, phase, Fields.integer(root, "source_ts_ms"));
    }

    private static SubscriptionStatus status(String text) {
        return SubscriptionStatus.fromWire(text)
                .orElseThrow(() -> Fields.reject(
                        RejectReason.UNKNOWN_STATUS,
                        "status '" + Fields.abbreviate(text) + "' is not paused, active or cancelled"));
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
            Segment segment = Segment.fromWire(segmentText)
                    .orElseThrow(() -> Fields.reject(
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
