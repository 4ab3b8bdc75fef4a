package dev.hfc.sink.copy;

import dev.hfc.core.event.CustomerSegment;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Encodes rows of the shape {@code (id, user_id, email, segment, subscription_week, subscription_id)} for
 * COPY, in either format. Pure byte building, no JDBC: the writer streams the result to the server.
 */
public final class CopyRows {

    /** The column list the encoded rows fill, in order. */
    public static final String COLUMNS = "id, user_id, email, segment, subscription_week, subscription_id";

    private static final byte[] BINARY_HEADER = {
        'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0, // signature
        0, 0, 0, 0, // flags
        0, 0, 0, 0 // header extension length
    };
    private static final short FIELDS = 6;

    private CopyRows() {}

    /** One row: the segment and the primary key to use if the row is inserted. */
    public record Row(UUID id, CustomerSegment segment) {}

    public static byte[] encode(CopyFormat format, List<Row> rows) {
        return format == CopyFormat.BINARY ? binary(rows) : text(rows);
    }

    static byte[] binary(List<Row> rows) {
        Out out = new Out(32 + rows.size() * 160);
        out.write(BINARY_HEADER, 0, BINARY_HEADER.length);
        for (Row row : rows) {
            CustomerSegment s = row.segment();
            out.int16(FIELDS);
            out.uuid(row.id());
            out.uuid(s.userId());
            out.text(s.email());
            out.text(s.segment().wire());
            out.text(s.week().toString());
            out.uuid(s.subscriptionId());
        }
        out.int16((short) -1);
        return out.bytes();
    }

    static byte[] text(List<Row> rows) {
        StringBuilder b = new StringBuilder(rows.size() * 180);
        for (Row row : rows) {
            CustomerSegment s = row.segment();
            b.append(row.id()).append('\t')
                    .append(s.userId()).append('\t');
            escapeText(b, s.email());
            b.append('\t').append(s.segment().wire())
                    .append('\t').append(s.week())
                    .append('\t').append(s.subscriptionId()).append('\n');
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

    /** A growable big-endian byte buffer. */
    private static final class Out extends ByteArrayOutputStream {
        Out(int size) {
            super(size);
        }

        void int16(short v) {
            write(v >>> 8);
            write(v);
        }

        void int32(int v) {
            write(v >>> 24);
            write(v >>> 16);
            write(v >>> 8);
            write(v);
        }

        void int64(long v) {
            int32((int) (v >>> 32));
            int32((int) v);
        }

        void uuid(UUID u) {
            int32(16);
            int64(u.getMostSignificantBits());
            int64(u.getLeastSignificantBits());
        }

        void text(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            int32(utf8.length);
            write(utf8, 0, utf8.length);
        }

        byte[] bytes() {
            return buf.length == count ? buf : toByteArray();
        }
    }
}
