package dev.hfc.bench.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A benchmark's temporary data (broker log, Streams state): hundreds of MB at the larger sizes, deleted when
 * the benchmark ends, whether it passed or failed, unless {@code --keep-data} asked to keep it.
 */
public final class BenchWorkDir implements AutoCloseable {

    private final Path path;
    private final boolean keep;

    private BenchWorkDir(Path path, boolean keep) {
        this.path = path;
        this.keep = keep;
    }

    public static BenchWorkDir create(String name, boolean keep) throws IOException {
        return new BenchWorkDir(Files.createTempDirectory("hfc-bench-" + name), keep);
    }

    Path path() {
        return path;
    }

    Path resolve(String child) {
        return path.resolve(child);
    }

    @Override
    public void close() {
        if (keep) {
            System.err.println("bench: its data is kept in " + path + " (--keep-data)");
            return;
        }
        try {
            org.apache.kafka.common.utils.Utils.delete(path.toFile());
        } catch (IOException e) {
            System.err.println("bench: could not delete its temporary data in " + path + " (" + e.getMessage() + ")");
        }
    }
}
