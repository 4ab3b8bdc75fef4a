package dev.hfc.core.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Explicit JSON encoding and validating decoding of one event type (§5): snake_case fields, a
 * {@code schema_version}, no reflection. Decoding never throws for bad input; it returns the reason.
 * Instances are immutable and thread-safe.
 */
public abstract class EventCodec<T> {

    /** Largest value accepted; the events are a few hundred bytes, anything near this is not one. */
    public static final int DEFAULT_MAX_BYTES = 16 * 1024;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(16).build())
            .build();
    private static final ObjectMapper READER = new ObjectMapper(FACTORY);

    private final String typeName;
    private final int maxBytes;

    protected EventCodec(String typeName, int maxBytes) {
        this.typeName = typeName;
        this.maxBytes = maxBytes;
    }

    public final byte[] encode(T value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            write(value, g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode " + typeName, e);
        }
        return out.toByteArray();
    }

    public final DecodeResult<T> decode(byte[] bytes) {
        if (bytes == null) {
            return DecodeResult.invalid(RejectReason.MISSING_FIELD, typeName + " value is null");
        }
        if (bytes.length > maxBytes) {
            return DecodeResult.invalid(
                    RejectReason.OVERSIZED,
                    typeName + " value is " + bytes.length + " bytes, more than the " + maxBytes + " allowed");
        }
        JsonNode root;
        try {
            root = READER.readTree(bytes);
        } catch (StreamConstraintsException e) {
            return DecodeResult.invalid(RejectReason.OVERSIZED, typeName + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            return DecodeResult.invalid(
                    RejectReason.MALFORMED_JSON, typeName + " value is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            // Jackson reads an empty or blank value as a MissingNode.
            boolean nothing = root == null || root.isMissingNode();
            return DecodeResult.invalid(
                    RejectReason.MALFORMED_JSON,
                    typeName + " value must be a JSON object, got " + (nothing ? "nothing" : root.getNodeType()));
        }
        try {
            return DecodeResult.valid(read(root));
        } catch (RejectedRecordException e) {
            return new DecodeResult.Invalid<>(new Rejection(
                    e.rejection().reason(), typeName + ": " + e.rejection().detail()));
        }
    }

    public final String typeName() {
        return typeName;
    }

    protected abstract void write(T value, JsonGenerator g) throws IOException;

    /** Reads and validates; signals a bad field by throwing {@link RejectedRecordException}. */
    protected abstract T read(JsonNode root);

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
