package dev.hfc.sink.batch;

import java.util.List;

/**
 * Where refused records go. Called inside the batch's transaction, before it commits: when it returns the
 * records are durable in the dead-letter topic, so committing the offsets past them loses nothing.
 */
@FunctionalInterface
public interface DeadLetterSink {
    void send(List<SegmentBatch.Refused> refused) throws Exception;
}
