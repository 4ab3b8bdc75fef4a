package dev.hfc.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecsTest {

    private static final UUID USER = UUID.fromString("5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f");
    private static final UUID SUB = UUID.fromString("00000000-0000-4000-8000-000000000001");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void subscriptionEventRoundTripsWithSnakeCaseFields() throws Exception {
        var event =
                SubscriptionEvent.upsert(USER, SUB, Week.parse("2026-W53"), SubscriptionStatus.PAUSED, 1764000000123L);
        byte[] bytes = EventCodecs.SUBSCRIPTION_EVENT.encode(event);

        JsonNode json = JSON.readTree(bytes);
        assertThat(json.get("schema_version").intValue()).isEqualTo(1);
        assertThat(json.get("user_id").textValue()).isEqualTo(USER.toString());
        assertThat(json.get("subscription_id").textValue()).isEqualTo(SUB.toString());
        assertThat(json.get("week").textValue()).isEqualTo("2026-W53");
        assertThat(json.get("status").textValue()).isEqualTo("paused");
        assertThat(json.get("op").textValue()).isEqualTo("upsert");
        assertThat(json.get("source_ts_ms").longValue()).isEqualTo(1764000000123L);
        assertThat(EventCodecs.SUBSCRIPTION_EVENT.decode(bytes)).isEqualTo(DecodeResult.valid(event));
    }

    @Test
    void deleteMayOmitTheStatus() {
        var delete = SubscriptionEvent.delete(USER, SUB, Week.parse("2026-W01"), 5L);
        assertThat(EventCodecs.SUBSCRIPTION_EVENT.decode(EventCodecs.SUBSCRIPTION_EVENT.encode(delete)))
                .isEqualTo(DecodeResult.valid(delete));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "anna@example.com",
                "\"smith, john\"@example.com",
                "\"q\\\"uote\\\\back\"@example.com",
                "\"tab\tand\nnewline\"@example.com",
                "jürgen.o'brien@bücher.de",
            })
    void customerSegmentRoundTripsHostileEmails(String email) {
        var segment = new CustomerSegment(USER, email, Week.parse("2026-W49"), Segment.MEDIUM, 3, SUB, 42L);
        byte[] bytes = EventCodecs.CUSTOMER_SEGMENT.encode(segment);
        DecodeResult<CustomerSegment> decoded = EventCodecs.CUSTOMER_SEGMENT.decode(bytes);
        assertThat(decoded).isEqualTo(DecodeResult.valid(segment));
        assertThat(decoded.orThrow().email()).isEqualTo(email);
    }

    @Test
    void customerEventRoundTripsAndKeepsAnUnusableEmailForTheSegmenterToReport() {
        var customer = new CustomerEvent(USER, "not-an-address", "active");
        assertThat(EventCodecs.CUSTOMER.decode(EventCodecs.CUSTOMER.encode(customer)))
                .isEqualTo(DecodeResult.valid(customer));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "not json at all| malformed-json",
                "{\"schema_version\":1,| malformed-json",
                "[1,2,3]| malformed-json",
                "\"just a string\"| malformed-json",
                "{\"schema_version\":2,\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\"}| unsupported-schema-version",
                "{\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\"}| missing-field",
                "{\"schema_version\":1,\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}| missing-field",
                "{\"schema_version\":1,\"user_id\":\"bob\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}| invalid-user-id",
                "{\"schema_version\":1,\"user_id\":\"1-1-1-1-1\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}| invalid-user-id",
                "{\"schema_version\":1,\"user_id\":42,\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}| wrong-type",
                "{\"schema_version\":1,\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2025-W53\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}| invalid-week",
                "{\"schema_version\":1,\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-w1\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}| invalid-week",
                "{\"schema_version\":1,\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"PAUSED\",\"op\":\"upsert\",\"source_ts_ms\":1}| unknown-status",
                "{\"schema_version\":1,\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"skipped\",\"op\":\"upsert\",\"source_ts_ms\":1}| unknown-status",
                "{\"schema_version\":1,\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"merge\",\"source_ts_ms\":1}| unknown-op",
                "{\"schema_version\":1,\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"op\":\"upsert\",\"source_ts_ms\":1}| missing-field",
                "{\"schema_version\":1,\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":\"yesterday\"}| wrong-type",
                "{\"schema_version\":1,\"user_id\":\"5f0c6b1e-2f4a-4c1e-9d7b-0a1b2c3d4e5f\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1.5}| wrong-type",
            })
    void rejectsBadSubscriptionEventsWithTheirReason(String json, String reason) {
        DecodeResult<SubscriptionEvent> result =
                EventCodecs.SUBSCRIPTION_EVENT.decode(json.getBytes(StandardCharsets.UTF_8));
        assertThat(result).isInstanceOfSatisfying(DecodeResult.Invalid.class, invalid -> {
            Rejection r = ((DecodeResult.Invalid<?>) invalid).rejection();
            assertThat(r.reason().code()).isEqualTo(reason.trim());
            assertThat(r.detail()).startsWith("subscription event");
        });
    }

    @Test
    void rejectsOversizedValuesBeforeParsing() {
        String huge = "{\"schema_version\":1,\"email\":\"" + "x".repeat(1_000_000) + "\"}";
        byte[] bytes = huge.getBytes(StandardCharsets.UTF_8);
        DecodeResult<CustomerEvent> result = EventCodecs.CUSTOMER.decode(bytes);
        assertThat(result)
                .isEqualTo(DecodeResult.invalid(
                        RejectReason.OVERSIZED,
                        "customer event value is " + bytes.length + " bytes, more than the 16384 allowed"));
    }

    @Test
    void rejectsRandomBytesAndNull() {
        byte[] noise = new byte[256];
        new java.util.Random(7).nextBytes(noise);
        assertThat(EventCodecs.CUSTOMER.decode(noise).isValid()).isFalse();
        assertThat(EventCodecs.CUSTOMER.decode(null).isValid()).isFalse();
        assertThat(EventCodecs.CUSTOMER.decode(new byte[0]).isValid()).isFalse();
    }

    @Test
    void namesWhatItGotWhenTheValueIsNoObject() {
        assertThat(EventCodecs.CUSTOMER.decode(new byte[0]))
                .isEqualTo(DecodeResult.invalid(
                        RejectReason.MALFORMED_JSON, "customer event value must be a JSON object, got nothing"));
        assertThat(EventCodecs.CUSTOMER.decode("  ".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(DecodeResult.invalid(
                        RejectReason.MALFORMED_JSON, "customer event value must be a JSON object, got nothing"));
        assertThat(EventCodecs.CUSTOMER.decode("[1]".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(DecodeResult.invalid(
                        RejectReason.MALFORMED_JSON, "customer event value must be a JSON object, got ARRAY"));
    }

    @Test
    void customerSegmentValidatesEmailSegmentAndPauseWeeks() {
        String base = "{\"schema_version\":1,\"user_id\":\"" + USER + "\",\"week\":\"2026-W49\",\"subscription_id\":\""
                + SUB + "\",\"computed_at_ms\":1,";
        assertThat(reason(base + "\"email\":\"a@b.co\",\"segment\":\"huge\",\"pause_weeks\":1}"))
                .isEqualTo(RejectReason.UNKNOWN_SEGMENT);
        assertThat(reason(base + "\"email\":\"nope\",\"segment\":\"low\",\"pause_weeks\":1}"))
                .isEqualTo(RejectReason.INVALID_EMAIL);
        assertThat(reason(base + "\"email\":\"a@b.co\",\"segment\":\"low\",\"pause_weeks\":0}"))
                .isEqualTo(RejectReason.WRONG_TYPE);
        assertThat(EventCodecs.CUSTOMER_SEGMENT
                        .decode((base
                                        + "\"email\":\"a@b.co\",\"segment\":\"low\",\"pause_weeks\":1,\"future_field\":true}")
                                .getBytes(StandardCharsets.UTF_8))
                        .isValid())
                .as("unknown fields are tolerated for forward compatibility")
                .isTrue();
    }

    @Test
    void rejectedRecordExceptionCarriesTheRejection() {
        var result = EventCodecs.CUSTOMER.decode("{}".getBytes(StandardCharsets.UTF_8));
        try {
            result.orThrow();
        } catch (RejectedRecordException e) {
            assertThat(e.rejection().reason()).isEqualTo(RejectReason.MISSING_FIELD);
            assertThat(e.getMessage()).contains("schema_version");
            return;
        }
        throw new AssertionError("expected a RejectedRecordException");
    }

    @Test
    void segmentKeyRoundTripsAndRejectsBadKeys() {
        SegmentKey key = new SegmentKey(Week.parse("2027-W01"), USER);
        assertThat(key).hasToString("2027-W01:" + USER);
        assertThat(SegmentKey.decode(key.toBytes())).isEqualTo(DecodeResult.valid(key));
        assertThat(SegmentKey.parse("2027-W54:" + USER).isValid()).isFalse();
        assertThat(SegmentKey.parse(USER.toString()).isValid()).isFalse();
        assertThat(SegmentKey.parse("2027-W01:nope").isValid()).isFalse();
        assertThat(SegmentKey.decode(null).isValid()).isFalse();
    }

    private static RejectReason reason(String json) {
        var r = EventCodecs.CUSTOMER_SEGMENT.decode(json.getBytes(StandardCharsets.UTF_8));
        return ((DecodeResult.Invalid<CustomerSegment>) r).rejection().reason();
    }
}
