package dev.hfc.bench;

import dev.hfc.bench.sink.TextCopyRows;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.sink.copy.CopyRows;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The sink's client-side share of a batch: encoding 10,000 rows for COPY, binary (the sink's only encoding) against
 * text (the encoding it replaced, kept here as {@link TextCopyRows} for this comparison).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CopyEncodingBenchmark {

    @Param({"BINARY", "TEXT"})
    public String format;

    private final List<CopyRows.Row> rows = new ArrayList<>();
    private Function<List<CopyRows.Row>, byte[]> encoder;

    @Setup
    public void rows() {
        encoder = switch (format) {
            case "BINARY" -> CopyRows::encode;
            case "TEXT" -> TextCopyRows::encode;
            default -> throw new IllegalArgumentException("format is BINARY or TEXT, not " + format);
        };
        SplittableRandom r = new SplittableRandom(7);
        Segment[] segments = Segment.values();
        for (int i = 0; i < 10_000; i++) {
            UUID user = new UUID(r.nextLong(), r.nextLong());
            // Every 50th address needs escaping in text COPY, as hostile addresses do.
            String email = i % 50 == 0 ? "\"tab\there\\back\"@example.com" : "customer" + i + "@example.com";
            rows.add(new CopyRows.Row(
                    new UUID(r.nextLong(), r.nextLong()),
                    new CustomerSegment(
                            user,
                            email,
                            Week.parse("2026-W50"),
                            segments[i % segments.length],
                            1 + i % 4,
                            new UUID(r.nextLong(), r.nextLong()),
                            1_764_000_000_000L)));
        }
    }

    @Benchmark
    public byte[] encodeTenThousandRows() {
        return encoder.apply(rows);
    }
}
