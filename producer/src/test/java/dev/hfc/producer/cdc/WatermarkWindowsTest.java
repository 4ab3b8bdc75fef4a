package dev.hfc.producer.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * DBLog's rule, without a database: a customer changed between a chunk's low and high watermarks is not
 * published at the high one but read again; changes before the low or after the high one do not count.
 */
class WatermarkWindowsTest {

    private static final UUID A = UUID.fromString("11111111-1111-4111-8111-111111111111");
    private static final UUID B = UUID.fromString("22222222-2222-4222-8222-222222222222");
    private static final UUID C = UUID.fromString("33333333-3333-4333-8333-333333333333");

    private final WatermarkWindows windows = new WatermarkWindows();

    private static ChangeMapper.Output snapshotOf(UUID user) {
        return new ChangeMapper.Output(
                ChangeMapper.Target.SUBSCRIPTION_EVENTS,
                user.toString().getBytes(StandardCharsets.UTF_8),
                new byte[] {1},
                1,
                null,
                "subscription",
                "snapshot");
    }

    private static Map<UUID, List<ChangeMapper.Output>> read(UUID... users) {
        Map<UUID, List<ChangeMapper.Output>> read = new LinkedHashMap<>();
        for (UUID u : users) {
            read.put(u, List.of(snapshotOf(u)));
        }
        return read;
    }

    @Test
    void onlyChangesBetweenTheWatermarksHoldACustomerBack() throws Exception {
        CompletableFuture<WatermarkWindows.Closed> closed = windows.expect("c1");
        windows.changed(A); // before the low watermark: in the rows read
        windows.low("c1");
        windows.changed(B); // between: the read may or may not have it
        windows.read("c1", read(A, B, C));
        WatermarkWindows.Closed high = windows.high("c1");
        windows.changed(C); // after the high watermark: follows the snapshot
        assertThat(high.publish())
                .extracting(o -> new String(o.key(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder(A.toString(), C.toString());
        assertThat(high.again()).containsExactly(B);
        assertThat(closed.get()).isSameAs(high);
        assertThat(windows.isEmpty()).isTrue();
    }

    @Test
    void watermarksOfAChunkThisProducerDidNotReadArePassedOver() {
        assertThat(windows.high("someone-else-1")).isNull();
        CompletableFuture<WatermarkWindows.Closed> closed = windows.expect("c2");
        windows.read("c2", read(A));
        // A high watermark without its low one (read again after a restart from between them) publishes nothing.
        assertThat(windows.high("c2")).isNull();
        assertThat(closed).isCancelled();
    }

    @Test
    void twoOpenChunksEachNoteTheChangesOfTheirWindow() {
        windows.expect("c1");
        windows.expect("c2");
        windows.low("c1");
        windows.changed(A);
        windows.low("c2");
        windows.changed(B);
        windows.read("c1", read(A, B));
        windows.read("c2", read(A, B));
        assertThat(windows.high("c1").again()).containsExactlyInAnyOrder(A, B);
        assertThat(windows.high("c2").again()).containsExactly(B);
    }

    @Test
    void anOversizedSnapshotIsReportedWithTheChunk() {
        windows.expect("c1");
        windows.low("c1");
        Map<UUID, List<ChangeMapper.Output>> read = read(A);
        read.put(
                B,
                List.of(new ChangeMapper.Output(
                        ChangeMapper.Target.DLQ,
                        null,
                        new byte[0],
                        0,
                        new Rejection(RejectReason.OVERSIZED, "too many weeks"),
                        "subscription",
                        "dlq")));
        windows.read("c1", read);
        WatermarkWindows.Closed high = windows.high("c1");
        assertThat(high.oversized()).containsExactly(B);
        assertThat(high.publish()).hasSize(2);
    }
}
