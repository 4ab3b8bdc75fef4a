package dev.hfc.sink.copy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CopyRowsTest {

    private static final UUID ID = UUID.fromString("018f0000-0000-7000-8000-000000000001");
    private static final CustomerSegment S = new CustomerSegment(
            UUID.fromString("00000000-0000-4000-8000-000000000002"),
            "\"a\\\\b\tc\nd\re, ü\"@x.de",
            Week.parse("2026-W53"),
            Segment.HIGH,
            4,
            UUID.fromString("00000000-0000-4000-8000-000000000003"),
            0L);

    @Test
    void binaryHasTheSignatureSevenFieldsPerRowAndTheTrailer() {
        ByteBuffer b = ByteBuffer.wrap(CopyRows.encode(List.of(new CopyRows.Row(ID, S))));
        byte[] signature = new byte[11];
        b.get(signature);
        assertThat(signature).isEqualTo(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0});
        assertThat(b.getInt()).isZero(); // flags
        assertThat(b.getInt()).isZero(); // extension
        assertThat(b.getShort()).isEqualTo((short) 7);
        assertThat(b.getInt()).isEqualTo(16);
        assertThat(new UUID(b.getLong(), b.getLong())).isEqualTo(ID);
        assertThat(b.getInt()).isEqualTo(16);
        assertThat(new UUID(b.getLong(), b.getLong())).isEqualTo(S.userId());
        byte[] email = new byte[b.getInt()];
        b.get(email);
        assertThat(new String(email, StandardCharsets.UTF_8)).isEqualTo(S.email());
        byte[] segment = new byte[b.getInt()];
        b.get(segment);
        assertThat(new String(segment, StandardCharsets.UTF_8)).isEqualTo("high");
        byte[] week = new byte[b.getInt()];
        b.get(week);
        assertThat(new String(week, StandardCharsets.UTF_8)).isEqualTo("2026-W53");
        assertThat(b.getInt()).isEqualTo(16);
        assertThat(new UUID(b.getLong(), b.getLong())).isEqualTo(S.subscriptionId());
        assertThat(b.getInt()).isEqualTo(2); // pause_weeks, smallint
        assertThat(b.getShort()).isEqualTo((short) 4);
        assertThat(b.getShort()).isEqualTo((short) -1);
        assertThat(b.hasRemaining()).isFalse();
    }
}
