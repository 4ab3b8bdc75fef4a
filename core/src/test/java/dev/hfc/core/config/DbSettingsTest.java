package dev.hfc.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DbSettingsTest {

    @Test
    void neverShowsThePassword() {
        var db = new DbSettings(
                "jdbc:postgresql://h:5432/db?user=x&password=hunter2&ssl=true", "x", "hunter2", "public");
        assertThat(db.toString())
                .doesNotContain("hunter2")
                .contains("password=[redacted]")
                .contains("ssl=true");
        assertThatThrownBy(() -> new DbSettings("jdbc:mysql://h/db?password=hunter2", "x", "", "public"))
                .hasMessageContaining("jdbc:postgresql:")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void quotesValidatedIdentifiers() {
        var db = new DbSettings(DbSettings.DEFAULT_URL, "postgres", null, "hfc_demo_1");
        assertThat(db.qualified("rec_campaigns_weekly")).isEqualTo("\"hfc_demo_1\".\"rec_campaigns_weekly\"");
        assertThat(db.password()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "Public",
                "1abc",
                "a-b",
                "a b",
                "x\"; DROP TABLE customer; --",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            })
    void rejectsUnsafeSchemaNames(String schema) {
        assertThatThrownBy(() -> new DbSettings(DbSettings.DEFAULT_URL, "postgres", "", schema))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schema");
    }
}
