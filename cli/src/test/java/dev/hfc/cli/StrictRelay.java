package dev.hfc.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An SMTP relay we did not write, as a process: aiosmtpd (Python, Debian's {@code python3-aiosmtpd}) with a policy
 * the test changes while it runs ({@code strict_relay.py}): recipients deferred with 452, a delay per message.
 */
final class StrictRelay implements AutoCloseable {

    static final String PYTHON = System.getenv().getOrDefault("HFC_TEST_PYTHON", "/usr/bin/python3");

    private final Process process;
    private final int port;
    private final Path policy;
    private final Path log;
    private final Path dir;

    private StrictRelay(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.policy = dir.resolve("policy.json");
        this.log = dir.resolve("accepted.log");
    }

    static StrictRelay start(List<String> deferred, long delayMs) throws Exception {
        Path dir = Files.createTempDirectory("hfc-relay");
        Path script = dir.resolve("strict_relay.py");
        try (var in = StrictRelay.class.getResourceAsStream("/relay/strict_relay.py")) {
            Files.copy(in, script);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StrictRelay relay = new StrictRelay(
                new ProcessBuilder(
                                PYTHON,
                                script.toString(),
                                Integer.toString(port),
                                dir.resolve("policy.json").toString(),
                                dir.resolve("accepted.log").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("relay.out").toFile())
                        .start(),
                port,
                dir);
        relay.policy(deferred, delayMs);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return relay;
            } catch (IOException notYet) {
                if (!relay.process.isAlive() || System.nanoTime() > deadline) {
                    String out =
                            Files.exists(dir.resolve("relay.out")) ? Files.readString(dir.resolve("relay.out")) : "";
                    relay.close();
                    throw new IllegalStateException(
                            "the aiosmtpd relay did not start (is python3-aiosmtpd installed?): " + out);
                }
                Thread.sleep(100);
            }
        }
    }

    int port() {
        return port;
    }

    /** Sets what the relay does from the next RCPT TO on. */
    void policy(List<String> deferred, long delayMs) throws IOException {
        String json =
                "{\"defer\": [" + deferred.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", "))
                        + "], \"delay_ms\": " + delayMs + "}";
        Path tmp = dir.resolve("policy.tmp");
        Files.writeString(tmp, json);
        Files.move(
                tmp,
                policy,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Every accepted message: recipient and Message-ID, in order. */
    List<String[]> accepted() throws IOException {
        if (!Files.exists(log)) {
            return List.of();
        }
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .map(l -> l.split("\t", 2))
                .toList();
    }

    /** Messages accepted per recipient. */
    Map<String, Long> copiesByRecipient() throws IOException {
        return accepted().stream()
                .collect(Collectors.groupingBy(a -> a[0].toLowerCase(java.util.Locale.ROOT), Collectors.counting()));
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
