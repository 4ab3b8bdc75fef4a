package dev.hfc.core.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;

class TopicProvisionerTest {

    private static final TopicDescription EVENTS = new TopicDescription("t.events", false, List.of());

    @Test
    void aTopicNotYetInTheMetadataIsAskedForAgain() {
        AtomicInteger calls = new AtomicInteger();
        Admin admin = adminFailingThenAnswering(
                calls,
                new UnknownTopicOrPartitionException("This server does not host this topic-partition."),
                new UnknownTopicOrPartitionException("This server does not host this topic-partition."));

        assertThat(TopicProvisioner.describe(admin, List.of("t.events"))).containsEntry("t.events", EVENTS);
        assertThat(calls).hasValue(3);
    }

    @Test
    void anyOtherErrorFailsAtOnceNamingTheTopics() {
        AtomicInteger calls = new AtomicInteger();
        Admin admin = adminFailingThenAnswering(calls, new TopicAuthorizationException("not allowed to describe"));

        assertThatThrownBy(() -> TopicProvisioner.describe(admin, List.of("t.events")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot describe topics [t.events]: not allowed to describe")
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThat(calls).hasValue(1);
    }

    /** An Admin whose describeTopics fails with each of {@code failures} in turn, then answers. */
    private static Admin adminFailingThenAnswering(AtomicInteger calls, RuntimeException... failures) {
        Deque<RuntimeException> pending = new ArrayDeque<>(List.of(failures));
        return (Admin) Proxy.newProxyInstance(
                Admin.class.getClassLoader(), new Class<?>[] {Admin.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("describeTopics")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    calls.incrementAndGet();
                    KafkaFutureImpl<TopicDescription> future = new KafkaFutureImpl<>();
                    if (pending.isEmpty()) {
                        future.complete(EVENTS);
                    } else {
                        future.completeExceptionally(pending.poll());
                    }
                    return new DescribeTopicsResult(
                            null, Map.<String, KafkaFuture<TopicDescription>>of("t.events", future)) {};
                });
    }
}
