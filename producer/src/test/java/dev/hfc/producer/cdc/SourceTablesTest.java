package dev.hfc.producer.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SourceTablesTest {

    @ParameterizedTest(name = "{0} relreplident={1} key has user_id={2} -> ok={3}")
    @CsvSource({
        "subscription, f, false, true",
        "subscription, f, true,  true",
        "subscription, d, true,  false",
        "subscription, d, false, false",
        "subscription, i, true,  false",
        "subscription, n, false, false",
        "customer,     f, false, true",
        "customer,     d, true,  true",
        "customer,     d, false, false",
        "customer,     i, true,  true",
        "customer,     i, false, false",
        "customer,     n, false, false",
    })
    void theReplicaIdentityMustCarryWhatTheMapperNeeds(String table, char identity, boolean keyHasUserId, boolean ok) {
        var problem = SourceTables.replicaIdentityProblem("\"shop\"." + table, table, identity, keyHasUserId);
        assertThat(problem.isEmpty()).isEqualTo(ok);
        problem.ifPresent(p -> assertThat(p)
                .startsWith("\"shop\"." + table + " has REPLICA IDENTITY ")
                .endsWith("Fix: ALTER TABLE \"shop\"." + table + " REPLICA IDENTITY FULL;"));
    }
}
