package dev.hfc.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseTest {

    @ParameterizedTest
    @ValueSource(strings = {"08006", "08001", "08000", "57P01", "57P02", "57P03", "53300", "28000", "28P01"})
    void outagesAndLockedLoginsLoseTheConnectionAndAreWorthARetry(String state) {
        SQLException e = new SQLException("x", state);
        assertThat(Database.isConnectionLost(e)).isTrue();
        assertThat(Database.isTransient(e)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"40001", "40P01"})
    void aLostConflictIsWorthARetryOnTheSameConnection(String state) {
        SQLException e = new SQLException("x", state);
        assertThat(Database.isTransient(e)).isTrue();
        assertThat(Database.isConnectionLost(e)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"22001", "23505", "42P01", "42601", "3D000", "40002", "57014"})
    void badStatementsAndDataAreNeither(String state) {
        SQLException e = new SQLException("x", state);
        assertThat(Database.isTransient(e)).isFalse();
        assertThat(Database.isConnectionLost(e)).isFalse();
    }

    @Test
    void anIoFailureUnderneathLosesTheConnection() {
        SQLException io = new SQLException("x", null, new EOFException());
        assertThat(Database.isConnectionLost(io)).isTrue();
        assertThat(Database.isTransient(io)).isTrue();
        assertThat(Database.isConnectionLost(new SQLException("x"))).isFalse();
        assertThat(Database.isTransient(new SQLException("x"))).isFalse();
    }

    @Test
    void theStateOfAWrappedCauseCounts() {
        SQLException deadlock = new SQLException("batch failed", "XX000", new SQLException("deadlock", "40P01"));
        assertThat(Database.isTransient(deadlock)).isTrue();
        assertThat(Database.isConnectionLost(deadlock)).isFalse();
        SQLException gone = new SQLException("batch failed", null, new SQLException("terminated", "57P01"));
        assertThat(Database.isConnectionLost(gone)).isTrue();
    }
}
