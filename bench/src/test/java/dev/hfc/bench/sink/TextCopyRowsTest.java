package dev.hfc.bench.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.sink.copy.CopyRows;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TextCopyRowsTest {

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
    void textEscapesExactlyTheFourSpecialCharacters() {
        String text = new String(TextCopyRows.encode(List.of(new CopyRows.Row(ID, S))), StandardCharsets.UTF_8);
        assertThat(text)
                .isEqualTo(ID
                        + "\t00000000-0000-4000-8000-000000000002\t\"a\\\\\\\\b\\tc\\nd\\re, ü\"@x.de\thigh\t2026-W53\t"
                        + "00000000-0000-4000-8000-000000000003\t4\n");
    }
}
