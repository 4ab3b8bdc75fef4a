package dev.hfc.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseTest {

    @ParameterizedTest
    @ValueSource(strings = {"08006", "08001", "57P01", "57P03", "53300", "40001", "40P01", "28000", "28P01"})
    void outagesAndLockedLoginsAreWorthARetry(String state) {
        assertThat(Database.isConnectionFailure(new SQLException("x", state))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"22001", "23505", "42P01", "42601", "3D000"})
    void badStatementsAndDataAreNot(String state) {
        assertThat(Database.isConnectionFailure(new SQLException("x", state))).isFalse();
    }

    @Test
    void anIoFailureUnderneathCounts() {
        assertThat(Database.isConnectionFailure(new SQLException("x", null, new EOFException())))
                .isTrue();
        assertThat(Database.isConnectionFailure(new SQLException("x"))).isFalse();
    }
}
