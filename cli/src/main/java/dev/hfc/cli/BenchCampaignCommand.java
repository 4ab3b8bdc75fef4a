package dev.hfc.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hfc.bench.pipeline.CampaignBenchmark;
import dev.hfc.service.Cli;
import dev.hfc.service.DbOptions;
import dev.hfc.service.Hfc;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc bench campaign}: the campaign sender's messages/s on one SMTP connection and on several. */
@Command(
        name = "campaign",
        mixinStandardHelpOptions = true,
        description =
                "Messages/s through the campaign sender into an in-process SMTP server, no rate limit, on one SMTP "
                        + "connection and on several, over the same rows. A schema of its own, dropped after.")
final class BenchCampaignCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(
            names = "--messages",
            defaultValue = "5000",
            description = "Rows to send per run (default ${DEFAULT-VALUE}).")
    int messages;

    @Option(
            names = "--connections",
            defaultValue = "4",
            split = ",",
            description = "SMTP connection counts to run, after one (default ${DEFAULT-VALUE}).")
    List<Integer> connections;

    @Mixin
    BenchJson json;

    @Override
    public Integer call() throws Exception {
        if (messages < 100) {
            throw Cli.usage("--messages", null, "need at least 100 messages");
        }
        List<Integer> counts = new java.util.ArrayList<>(List.of(1));
        for (int n : connections) {
            if (n < 1 || n > 64) {
                throw Cli.usage("--connections", null, "each count must be 1..64, got " + n);
            }
            if (!counts.contains(n)) {
                counts.add(n);
            }
        }
        var r = CampaignBenchmark.run(
                db.settings(), messages, counts, step -> System.err.println("bench campaign: " + step));
        double one = r.runs().get(0).perSecond();
        for (CampaignBenchmark.Run run : r.runs()) {
            System.out.printf(
                    "%2d SMTP connection(s): %,d messages in %.1f s, %,.0f messages/s (%.2fx one connection)%n",
                    run.connections(), run.messages(), run.seconds(), run.perSecond(), run.perSecond() / one);
        }
        if (json.enabled) {
            ObjectNode o = BenchJson.object("campaign");
            o.put("messages", r.rows());
            var runs = o.putArray("runs");
            for (CampaignBenchmark.Run run : r.runs()) {
                ObjectNode n = runs.addObject();
                n.put("connections", run.connections());
                n.put("messages_per_s", Math.round(run.perSecond()));
                n.put("vs_one_connection", BenchJson.twoDecimals(run.perSecond() / one));
            }
            System.out.println(o);
        }
        return Hfc.OK;
    }
}
