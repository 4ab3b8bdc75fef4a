package dev.hfc.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.Topics;
import dev.hfc.producer.cdc.CdcProducer;
import dev.hfc.segmenter.SegmenterConfig;
import dev.hfc.segmenter.SegmenterService;
import dev.hfc.sink.SinkService;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A service command given no flag runs with its service's {@code Settings.defaults}, which the demo, the
 * benchmarks and the tests start from: the defaults the help shows and the ones they run with cannot drift apart.
 * The commands that act on a service's state ({@code replay sink|segmenter}, {@code snapshot}) address, given no
 * flag, the group, application id and slot those defaults name.
 */
class ServiceDefaultsTest {

    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Z0-9_]+)");

    @Test
    void theSinkCommandWithoutFlagsRunsTheSinksDefaults() {
        SinkService.Settings settings = parsed(new SinkCommand()).settings();
        assertThat(settings)
                .isEqualTo(SinkService.Settings.defaults(settings.kafka(), settings.topics(), settings.db()));
    }

    @Test
    void theProducerCommandWithoutFlagsRunsTheProducersDefaults() {
        ProducerCommand command = parsed(new ProducerCommand());
        CdcProducer.Settings settings = command.settings(command.db.settings());
        assertThat(settings)
                .isEqualTo(CdcProducer.Settings.defaults(settings.kafka(), settings.topics(), settings.db()));
    }

    @Test
    void theSegmenterCommandWithoutFlagsRunsTheSegmentersDefaults() {
        SegmenterService.Settings settings = parsed(new SegmenterCommand()).settings();
        assertThat(settings).isEqualTo(SegmenterService.Settings.defaults(settings.kafka(), settings.topology()));
        assertThat(settings.topology().policy()).isEqualTo(SegmentPolicy.DEFAULT);
    }

    @Test
    void replaySinkWithoutFlagsRewindsTheSinksDefaultGroup() {
        ReplayCommand.Sink command = parsed(new ReplayCommand.Sink(), "--from", "earliest");
        assertThat(command.groupId)
                .isEqualTo(SinkService.Settings.defaults(
                                command.kafka.settings(), command.kafka.topics(), command.db.settings())
                        .groupId());
    }

    @Test
    void replaySegmenterWithoutFlagsRewindsTheSegmentersDefaultApplication() {
        ReplayCommand.Segmenter command = parsed(new ReplayCommand.Segmenter(), "--from", "earliest");
        SegmenterConfig topology = new SegmenterConfig(command.kafka.topics(), SegmentPolicy.DEFAULT, ZoneOffset.UTC);
        assertThat(command.applicationId)
                .isEqualTo(SegmenterService.Settings.defaults(command.kafka.settings(), topology)
                        .applicationId());
    }

    @Test
    void snapshotWithoutFlagsAsksTheProducerOfTheDefaultSlot() {
        SnapshotCommand command = parsed(new SnapshotCommand());
        assertThat(command.slotName)
                .isEqualTo(CdcProducer.Settings.defaults(
                                KafkaSettings.of("localhost:9092"), Topics.withDefaultPrefix(), command.db.settings())
                        .slotName());
    }

    /**
     * {@code command} parsed from {@code args} (none, or only required flags without a default); skipped when an
     * environment variable that would change its service's settings is set. Those of Kafka, the database and the ops
     * server reach both sides alike.
     */
    private static <T> T parsed(T command, String... args) {
        CommandLine cl = new CommandLine(command);
        Set<String> own = variables(cl.getCommandSpec());
        for (String shared : new String[] {"kafka", "db", "ops"}) {
            CommandSpec mixin = cl.getCommandSpec().mixins().get(shared);
            if (mixin != null) {
                own.removeAll(variables(mixin));
            }
        }
        own.removeIf(v -> System.getenv(v) == null);
        assumeTrue(own.isEmpty(), () -> "set in the environment: " + own);
        cl.parseArgs(args);
        return command;
    }

    private static Set<String> variables(CommandSpec spec) {
        Set<String> out = new TreeSet<>();
        for (OptionSpec o : spec.options()) {
            String raw = o.defaultValueString(false);
            if (raw != null) {
                Matcher m = ENV.matcher(raw);
                while (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        return out;
    }
}
