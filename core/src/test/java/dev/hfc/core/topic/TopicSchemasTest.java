package dev.hfc.core.topic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.CustomerSnapshot;
import dev.hfc.core.event.EventCodec;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JSON Schemas in docs/schemas/ are what clients in other languages check their records against: they
 * must accept every value hfc writes and refuse what hfc's codecs refuse (beyond what a schema can say:
 * a W53 in a year without one, an email that is not a usable address).
 */
class TopicSchemasTest {

    private static final Path SCHEMAS = Path.of("..", "docs", "schemas");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonSchema schema(String file) throws Exception {
        try (InputStream in = Files.newInputStream(SCHEMAS.resolve(file))) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in);
        }
    }

    private static <T> void assertValid(JsonSchema schema, EventCodec<T> codec, T value) throws Exception {
        byte[] bytes = codec.encode(value);
        JsonNode node = JSON.readTree(bytes);
        assertThat(schema.validate(node))
                .as("%s", new String(bytes, StandardCharsets.UTF_8))
                .isEmpty();
    }

    @Test
    void everyValueHfcWritesMatchesItsSchema() throws Exception {
        JsonSchema events = schema("subscription-event.schema.json");
        JsonSchema customers = schema("customer.schema.json");
        JsonSchema segments = schema("customer-segment.schema.json");
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            UUID user = new UUID(random.nextLong(), random.nextLong());
            Week week = Week.parse("2026-W01").plus(random.nextInt(200));
            SubscriptionStatus status = SubscriptionStatus.values()[random.nextInt(SubscriptionStatus.values().length)];
            assertValid(
                    events,
                    EventCodecs.SUBSCRIPTION_EVENT,
                    SubscriptionEvent.upsert(user, UUID.randomUUID(), week, status, random.nextLong()));
            assertValid(
                    events, EventCodecs.SUBSCRIPTION_EVENT, SubscriptionEvent.delete(user, UUID.randomUUID(), week, i));
            List<CustomerSnapshot.WeekRow> rows = new ArrayList<>();
            for (int w = random.nextInt(4); w < 14; w += 1 + random.nextInt(3)) {
                rows.add(new CustomerSnapshot.WeekRow(
                        week.plus(w), SubscriptionStatus.values()[random.nextInt(3)], UUID.randomUUID()));
            }
            assertValid(events, EventCodecs.SUBSCRIPTION_INPUT, new CustomerSnapshot(user, rows, random.nextLong()));
            assertValid(
                    events,
                    EventCodecs.SUBSCRIPTION_INPUT,
                    new SnapshotMarker(
                            "s-" + i, random.nextBoolean() ? SnapshotMarker.Phase.BEGIN : SnapshotMarker.Phase.END, i));
            assertValid(
                    customers,
                    EventCodecs.CUSTOMER,
                    new CustomerEvent(
                            user,
                            random.nextBoolean() ? null : "c" + i + "@example.com",
                            random.nextBoolean() ? "active" : null));
            assertValid(
                    segments,
                    EventCodecs.CUSTOMER_SEGMENT,
                    new CustomerSegment(
                            user,
                            "\"q,uote\"+" + i + "@b\u00fccher.example",
                            week,
                            Segment.values()[random.nextInt(3)],
                            1 + random.nextInt(52),
                            UUID.randomUUID(),
                            random.nextLong()));
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "subscription-event | {\"schema_version\":1,\"user_id\":\"not-a-uuid\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W54\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"skipped\",\"op\":\"upsert\",\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"op\":\"upsert\",\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"merge\",\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":2,\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":\"1\"}",
                "subscription-event | {\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"weeks\":[{\"week\":\"2026-W49\",\"status\":\"skipped\",\"subscription_id\":\"00000000-0000-4000-8000-000000000002\"}],\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"weeks\":[{\"week\":\"2026-W54\",\"status\":\"paused\",\"subscription_id\":\"00000000-0000-4000-8000-000000000002\"}],\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"weeks\":[{\"week\":\"2026-W49\",\"status\":\"paused\"}],\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"weeks\":{},\"source_ts_ms\":1}",
                "subscription-event | {\"schema_version\":1,\"op\":\"snapshot-end\",\"snapshot_id\":\"a b\",\"source_ts_ms\":1}",
                "customer           | {\"schema_version\":1,\"user_id\":42}",
                "customer           | {\"schema_version\":1,\"email\":\"a@b.example\"}",
                "customer-segment   | {\"schema_version\":1,\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"email\":\"a@b.example\",\"week\":\"2026-W49\",\"segment\":\"huge\",\"pause_weeks\":2,\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"computed_at_ms\":1}",
                "customer-segment   | {\"schema_version\":1,\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"email\":\"a@b.example\",\"week\":\"2026-W49\",\"segment\":\"low\",\"pause_weeks\":0,\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"computed_at_ms\":1}",
                "customer-segment   | {\"schema_version\":1,\"user_id\":\"00000000-0000-4000-8000-000000000001\",\"week\":\"2026-W49\",\"segment\":\"low\",\"pause_weeks\":1,\"subscription_id\":\"00000000-0000-4000-8000-000000000001\",\"computed_at_ms\":1}",
            })
    void whatTheCodecRefusesTheSchemaRefusesToo(String topic, String json) throws Exception {
        EventCodec<?> codec = switch (topic) {
            case "subscription-event" -> EventCodecs.SUBSCRIPTION_INPUT;
            case "customer" -> EventCodecs.CUSTOMER;
            default -> EventCodecs.CUSTOMER_SEGMENT;
        };
        assertThat(codec.decode(json.getBytes(StandardCharsets.UTF_8)).isValid())
                .as("the codec refuses it")
                .isFalse();
        assertThat(schema(topic + ".schema.json").validate(JSON.readTree(json)))
                .as("the schema refuses it")
                .isNotEmpty();
    }

    @Test
    void theDlqSchemaNamesEveryReasonAndStageThereIs() throws Exception {
        JsonNode schema =
                JSON.readTree(SCHEMAS.resolve("dlq-headers.schema.json").toFile());
        Set<String> reasons = new HashSet<>();
        schema.at("/properties/hfc.reason/enum").forEach(n -> reasons.add(n.asText()));
        assertThat(reasons)
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(RejectReason.values())
                        .map(RejectReason::code)
                        .toList());
        assertThat(schema.at("/required"))
                .extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(
                        DeadLetters.REASON,
                        DeadLetters.DETAIL,
                        DeadLetters.STAGE,
                        DeadLetters.SOURCE_TOPIC,
                        DeadLetters.SOURCE_PARTITION,
                        DeadLetters.SOURCE_OFFSET);
    }
}
