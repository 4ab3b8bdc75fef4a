package dev.hfc.core.topic;

import dev.hfc.core.event.Rejection;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a {@code hfc.dlq} record (§5): the original key and bytes are the record's key and value;
 * these say why, where it was refused, and where it came from.
 */
public final class DeadLetters {

    /** The {@link dev.hfc.core.event.RejectReason} code, e.g. {@code invalid-week}. */
    public static final String REASON = "hfc.reason";
    /** The human-readable explanation. */
    public static final String DETAIL = "hfc.reason.detail";
    /** Which service refused it: {@code producer}, {@code segmenter} or {@code sink}. */
    public static final String STAGE = "hfc.stage";

    public static final String SOURCE_TOPIC = "hfc.source.topic";
    public static final String SOURCE_PARTITION = "hfc.source.partition";
    public static final String SOURCE_OFFSET = "hfc.source.offset";

    /** Longest detail kept in a header; an oversized input must not make an oversized DLQ record. */
    static final int MAX_DETAIL_CHARS = 1000;

    private DeadLetters() {}

    /** Headers for a record that came from a Kafka topic. */
    public static Headers headers(String stage, Rejection rejection, String topic, int partition, long offset) {
        Headers h = headers(stage, rejection, topic);
        h.add(SOURCE_PARTITION, bytes(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, bytes(Long.toString(offset)));
        return h;
    }

    /** Headers for a record that came from elsewhere (the producer's source is a table, not a topic). */
    public static Headers headers(String stage, Rejection rejection, String source) {
        RecordHeaders h = new RecordHeaders();
        h.add(REASON, bytes(rejection.reason().code()));
        String detail = rejection.detail();
        h.add(
                DETAIL,
                bytes(detail.length() > MAX_DETAIL_CHARS ? detail.substring(0, MAX_DETAIL_CHARS) + "..." : detail));
        h.add(STAGE, bytes(stage));
        h.add(SOURCE_TOPIC, bytes(source));
        return h;
    }

    /** The value of header {@code name}, or null. */
    public static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
