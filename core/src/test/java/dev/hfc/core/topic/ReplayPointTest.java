package dev.hfc.core.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplayPointTest {
    @Test
    void parsesEarliestInstantsAndOffsets() {
        assertThat(ReplayPoint.parse("earliest").isEarliest()).isTrue();
        assertThat(ReplayPoint.parse("2026-11-28T09:00:00Z").from()).isEqualTo(Instant.parse("2026-11-28T09:00:00Z"));
        assertThat(ReplayPoint.parse("2026-11-28T10:00:00+01:00").from())
                .isEqualTo(Instant.parse("2026-11-28T09:00:00Z"));
        assertThatThrownBy(() -> ReplayPoint.parse("last saturday")).hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> ReplayPoint.parse("")).hasMessageContaining("required");
    }
}
