package dev.hfc.producer.cdc;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the rows of PostgreSQL's binary {@code COPY ... TO STDOUT (FORMAT binary)} whose columns are all
 * text (the snapshot casts every column with {@code ::text}): each field is its UTF-8 bytes, or SQL NULL.
 * Anything else than the documented layout (signature, flags, header extension, tuples, trailer) is an
 * {@link IOException} that says where.
 */
final class CopyBinaryRows implements AutoCloseable {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};

    private final DataInputStream in;
    private final int columns;
    private long rows;

    CopyBinaryRows(InputStream stream, int columns) throws IOException {
        this.in = new DataInputStream(stream);
        this.columns = columns;
        byte[] signature = new byte[SIGNATURE.length];
        in.readFully(signature);
        if (!Arrays.equals(signature, SIGNATURE)) {
            throw new IOException("not binary COPY output: signature " + Arrays.toString(signature));
        }
        int flags = in.readInt();
        if ((flags & 0x0001_0000) != 0) {
            throw new IOException("binary COPY output with OIDs, which the snapshot never asks for");
        }
        int extension = in.readInt();
        if (extension < 0) {
            throw new IOException("binary COPY header extension of negative length " + extension);
        }
        in.skipNBytes(extension);
    }

    /** The next row's fields (null for SQL NULL), or null after the last row. */
    String[] next() throws IOException {
        short count;
        try {
            count = in.readShort();
        } catch (EOFException e) {
            throw new IOException("binary COPY output ended after " + rows + " rows without its trailer", e);
        }
        if (count == -1) {
            return null;
        }
        if (count != columns) {
            throw new IOException(
                    "row " + (rows + 1) + " of binary COPY output has " + count + " fields, expected " + columns);
        }
        String[] fields = new String[count];
        for (int i = 0; i < count; i++) {
            int length = in.readInt();
            if (length == -1) {
                continue;
            }
            if (length < 0) {
                throw new IOException(
                        "row " + (rows + 1) + ", field " + (i + 1) + " of binary COPY output has length " + length);
            }
            byte[] bytes = new byte[length];
            in.readFully(bytes);
            fields[i] = new String(bytes, StandardCharsets.UTF_8);
        }
        rows++;
        return fields;
    }

    long rows() {
        return rows;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
