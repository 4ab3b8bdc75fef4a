package dev.hfc.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.hfc.core.event.DecodeResult;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.event.UserIds;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
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
 * What the segmenter pays per input record before its rule runs, and the producer per row: decoding a
 * subscription event, beside the JSON tree parse it starts with ({@code readTree} alone: most of the
 * decode, by the mapper and by a reader bound to the tree type); and parsing a user id, beside what it replaced (the regular expression, then
 * {@code UUID.fromString}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecodeBenchmark {

    private static final Pattern CANONICAL =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final ObjectMapper TREE = new ObjectMapper();
    private static final ObjectReader TREE_READER = TREE.readerFor(JsonNode.class);

    private final byte[] event = EventCodecs.SUBSCRIPTION_EVENT.encode(SubscriptionEvent.upsert(
            UUID.fromString("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
            UUID.fromString("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"),
            Week.parse("2026-W50"),
            SubscriptionStatus.PAUSED,
            1_764_000_000_000L));
    private final String id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

    @Benchmark
    public DecodeResult<SubscriptionEvent> decodeSubscriptionEvent() {
        return EventCodecs.SUBSCRIPTION_EVENT.decode(event);
    }

    @Benchmark
    public JsonNode readTreeAlone() throws java.io.IOException {
        return TREE.readTree(event);
    }

    /** A reader bound to the tree type instead of the mapper resolving it per call: measured no faster, so not used. */
    @Benchmark
    public JsonNode readTreeBoundReader() throws java.io.IOException {
        return TREE_READER.readTree(event);
    }

    @Benchmark
    public Optional<UUID> userIdsParse() {
        return UserIds.parse(id);
    }

    @Benchmark
    public Optional<UUID> regexThenFromString() {
        return CANONICAL.matcher(id).matches() ? Optional.of(UUID.fromString(id)) : Optional.empty();
    }
}
