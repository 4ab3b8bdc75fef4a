package dev.hfc.bench.sink;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.sink.copy.CopyRows;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The sink's rows in COPY's tab-separated text format, with backslash escapes for backslash, tab, newline and
 * carriage return: the encoding the sink wrote until issue 28, which {@code CopyEncodingBenchmark} measures against
 * the sink's binary {@link CopyRows#encode}. The sink itself writes binary COPY only (text was ~20% slower end to
 * end, BENCHMARKS.md).
 */
public final class TextCopyRows {

    private TextCopyRows() {}

    /** The rows as COPY text, in the columns and order of {@link CopyRows#COLUMNS}. */
    public static byte[] encode(List<CopyRows.Row> rows) {
        StringBuilder b = new StringBuilder(rows.size() * 180);
        for (CopyRows.Row row : rows) {
            CustomerSegment s = row.segment();
            b.append(row.id()).append('\t').append(s.userId()).append('\t');
            escape(b, s.email());
            b.append('\t')
                    .append(s.segment().wire())
                    .append('\t')
                    .append(s.week())
                    .append('\t')
                    .append(s.subscriptionId())
                    .append('\t')
                    .append(s.pauseWeeks())
                    .append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** COPY text format: backslash, tab, newline and carriage return must be escaped; all else is literal. */
    static void escape(StringBuilder b, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
    }
}
