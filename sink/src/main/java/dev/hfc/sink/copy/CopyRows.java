package dev.hfc.sink.copy;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.schema.copy.BinaryCopyWriter;
import dev.hfc.sink.sql.SinkSql;
import java.util.List;
import java.util.UUID;

/**
 * Encodes rows of the shape {@code (id, user_id, email, segment, subscription_week, subscription_id, pause_weeks)} for
 * PostgreSQL's binary COPY: no text parsing on the server (uuids as 16 bytes). Pure byte building, no JDBC: the
 * writer streams the result to the server. Binary is the sink's only encoding: text COPY was ~20% slower end to end
 * (BENCHMARKS.md), and its encoder lives on only in the benchmarks, for the JMH comparison of the two.
 */
public final class CopyRows {

    /** The column list the encoded rows fill, in order: the one the sink's statements name ({@link SinkSql#COLUMNS}). */
    public static final String COLUMNS = SinkSql.COLUMNS;

    /** The {@code WITH} part of a COPY statement for what {@link #encode} builds. */
    public static final String FORMAT_OPTION = "(FORMAT binary)";

    private static final int FIELDS = 7;

    private CopyRows() {}

    /** One row: the segment and the primary key to use if the row is inserted. */
    public record Row(UUID id, CustomerSegment segment) {}

    /** The rows in binary COPY format: signature and header, seven fields per row, and the trailer. */
    public static byte[] encode(List<Row> rows) {
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
}
