package dev.hfc.sink.offset;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.junit.jupiter.api.Test;

/** A lag-only commit's failure is logged once per kind, at INFO while the group moves, never as Kafka's ERROR. */
class LagCommitsTest {

    @Test
    void eachKindOfFailureIsReportedOnceAtItsLevel() {
        LagCommits commits = new LagCommits();
        assertThat(commits.report(null)).isEqualTo(LagCommits.Reported.NOTHING);
        assertThat(commits.report(new RetriableCommitFailedException("coordinator moved")))
                .isEqualTo(LagCommits.Reported.FIRST_INFO);
        assertThat(commits.report(new RetriableCommitFailedException("coordinator moved again")))
                .isEqualTo(LagCommits.Reported.AGAIN_DEBUG);
        assertThat(commits.report(new NotCoordinatorException("not the coordinator")))
                .isEqualTo(LagCommits.Reported.FIRST_INFO);
        assertThat(commits.report(new AuthorizationException("denied"))).isEqualTo(LagCommits.Reported.FIRST_WARN);
        assertThat(commits.report(new AuthorizationException("denied"))).isEqualTo(LagCommits.Reported.AGAIN_DEBUG);
    }
}
