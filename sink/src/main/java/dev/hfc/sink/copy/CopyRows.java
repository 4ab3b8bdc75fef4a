package dev.hfc.sink.copy;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.schema.copy.BinaryCopyWriter;
import dev.hfc.sink.sql.SinkSql;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Encodes rows of the shape {@code (id, user_id, email, segment, subscription_week, subscription_id, pause_weeks)} for
 * COPY, in either format. Pure byte building, no JDBC: the writer streams the result to the server.
 */
public final class CopyRows {

    /** The column list the encoded rows fill, in order: the one the sink's statements name ({@link SinkSql#COLUMNS}). */
    public static final String COLUMNS = SinkSql.COLUMNS;

    private static final int FIELDS = 7;

    private CopyRows() {}

    /** One row: the segment and the primary key to use if the row is inserted. */
    public record Row(UUID id, CustomerSegment segment) {}

    public static byte[] encode(CopyFormat format, List<Row> rows) {
        return format == CopyFormat.BINARY ? binary(rows) : text(rows);
    }

    static byte[] binary(List<Row> rows) {
        BinaryCopyWriter out = new BinaryCopyWriter(32 + rows.size() * 160);
        for (Row row : rows) {
            CustomerSegment s = row.segment();
            out.row(FIELDS)
                    .uuid(row.id())
                    .uuid(s.userId())
                    .text(s.email())
                    .text(s.segment().wire())
                    .text(s.week().toString())
                    .uuid(s.subscriptionId())
                    .int2(s.pauseWeeks());
        }
        return out.finish();
    }

    static byte[] text(List<Row> rows) {
        StringBuilder b = new StringBuilder(rows.size() * 180);
        for (Row row : rows) {
            CustomerSegment s = row.segment();
            b.append(row.id()).append('\t').append(s.userId()).append('\t');
            escapeText(b, s.email());
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
    static void escapeText(StringBuilder b, String value) {
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
