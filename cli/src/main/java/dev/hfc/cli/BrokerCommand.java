package dev.hfc.cli;

import dev.hfc.local.kafka.InProcessKafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hfc broker}: a single-node Kafka broker for local use, until stopped (§9). */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a single-node in-process Apache Kafka broker (KRaft) until stopped.")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092",
            description = "Client port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data/kafka",
            description = "Where the broker keeps its logs; reused across restarts (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 1 || port > 65535) {
            throw Cli.usage("--port", null, "port " + port + " is outside 1..65535");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        InProcessKafkaBroker broker = InProcessKafkaBroker.start(port, dataDir);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "hfc-broker-shutdown"));
        System.out.println("Kafka broker listening on " + broker.bootstrapServers() + " (data in "
                + dataDir.toAbsolutePath() + "); stop with Ctrl-C or SIGTERM");
        System.out.flush();
        stopped.await();
        return Hfc.OK;
    }
}
