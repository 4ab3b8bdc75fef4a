package dev.hfc.producer.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The binary COPY layout as PostgreSQL documents it, built by hand (the IT reads the server's own). */
class CopyBinaryRowsTest {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};

    private static byte[] copy(int extension, boolean trailer, String[]... rows) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(SIGNATURE);
        out.writeInt(0);
        out.writeInt(extension);
        out.write(new byte[extension]);
        for (String[] row : rows) {
            out.writeShort(row.length);
            for (String field : row) {
                if (field == null) {
                    out.writeInt(-1);
                } else {
                    byte[] b = field.getBytes(StandardCharsets.UTF_8);
                    out.writeInt(b.length);
                    out.write(b);
                }
            }
        }
        if (trailer) {
            out.writeShort(-1);
        }
        return bytes.toByteArray();
    }

    @Test
    void readsTextFieldsNullsAndMultiByteCharactersUntilTheTrailer() throws IOException {
        byte[] data =
                copy(4, true, new String[] {"a", null, ""}, new String[] {"Zoë\t\\n", "x", "ünïcode@exämple.com"});
        try (CopyBinaryRows rows = new CopyBinaryRows(new ByteArrayInputStream(data), 3)) {
            assertThat(rows.next()).containsExactly("a", null, "");
            assertThat(rows.next()).containsExactly("Zoë\t\\n", "x", "ünïcode@exämple.com");
            assertThat(rows.next()).isNull();
            assertThat(rows.rows()).isEqualTo(2);
        }
    }

    @Test
    void refusesWhatIsNotTheDocumentedLayoutSayingWhere() throws IOException {
        assertThatThrownBy(() -> new CopyBinaryRows(
                        new ByteArrayInputStream("user_id\temail\n".getBytes(StandardCharsets.UTF_8)), 2))
                .hasMessageContaining("not binary COPY output");
        byte[] truncated = copy(0, false, new String[] {"a", "b"});
        try (CopyBinaryRows rows = new CopyBinaryRows(new ByteArrayInputStream(truncated), 2)) {
            assertThat(rows.next()).containsExactly("a", "b");
            assertThatThrownBy(rows::next).hasMessageContaining("ended after 1 rows without its trailer");
        }
        try (CopyBinaryRows rows = new CopyBinaryRows(new ByteArrayInputStream(copy(0, true, new String[] {"a"})), 2)) {
            assertThatThrownBy(rows::next).hasMessageContaining("row 1").hasMessageContaining("1 fields, expected 2");
        }
    }

    @Test
    void lsnsParseAsPostgreSqlPrintsThem() {
        assertThat(InitialSnapshot.parseLsn("0/16B3748")).isEqualTo(0x16B3748L);
        assertThat(InitialSnapshot.parseLsn("1/0")).isEqualTo(1L << 32);
        assertThat(InitialSnapshot.parseLsn("FFFFFFFF/FFFFFFFF")).isEqualTo(-1L);
        assertThatThrownBy(() -> InitialSnapshot.parseLsn("16B3748")).hasMessageContaining("not a PostgreSQL LSN");
        assertThatThrownBy(() -> InitialSnapshot.parseLsn("0/")).hasMessageContaining("not a PostgreSQL LSN");
        assertThatThrownBy(() -> InitialSnapshot.parseLsn("0/xyz")).hasMessageContaining("not a PostgreSQL LSN");
    }
}
